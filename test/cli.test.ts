/** The command line: `serve` (first start prints keys once), `migrate`, `keys create|list|revoke`. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const BIN = join(import.meta.dirname, '..', 'bin', 'userplane.js');
const dir = mkdtempSync(join(tmpdir(), 'userplane-cli-'));
const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`, USERPLANE_ADMIN_KEYS: '', LOG_LEVEL: 'info' };

function run(args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 });
}

/** Starts `serve` on a free port and resolves once it listens, with everything it printed. */
function serve(extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...env, PORT: '0', ...extraEnv } });
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return { child, ready, output: () => output };
}

function stop(child: ReturnType<typeof spawn>) {
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('userplane CLI', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('migrate creates the schema, then reports it up to date', () => {
    const first = run(['migrate']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Applied: 001-initial/);
    const second = run(['migrate']);
    assert.match(second.stdout, /is up to date/);
  });

  test('serve on an empty store prints one admin key per environment, once; they work', async () => {
    const server = serve();
    const base = await server.ready;
    const keys = [...server.output().matchAll(/(sk_(live|test)_[A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
    assert.equal(keys.length, 2);
    const testKey = keys.find((k) => k.startsWith('sk_test_'))!;
    const created = await fetch(`${base}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cli@example.com' }),
    });
    assert.equal(created.status, 201);
    const user = await created.json();
    const patched = await fetch(`${base}/v1/users/${user.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Jane' }),
    });
    assert.equal((await patched.json()).first_name, 'Jane');
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    await stop(server.child);
    // The log lines themselves never carry the keys.
    const logLines = server.output().split('\n').filter((line) => line.startsWith('{'));
    for (const key of keys) assert.ok(!logLines.some((line) => line.includes(key)));

    const again = serve();
    await again.ready;
    await stop(again.child);
    assert.doesNotMatch(again.output(), /sk_(live|test)_/);
  });

  test('keys create, list and revoke', () => {
    const created = run(['keys', 'create', '--env', 'live', '--name', 'deploy', '--scopes', 'read,write']);
    assert.equal(created.status, 0, created.stderr);
    const id = /^(key_[0-9a-z]{26})/m.exec(created.stdout)?.[1];
    assert.ok(id);
    assert.match(created.stdout, /secret \(shown once\): sk_live_/);
    const listed = run(['keys', 'list', '--env', 'live']);
    assert.match(listed.stdout, new RegExp(`${id}.*active.*deploy`));
    assert.doesNotMatch(listed.stdout, /sk_live_[A-Za-z0-9_-]{20,}/);
    assert.equal(run(['keys', 'revoke', '--env', 'live', id!]).status, 0);
    assert.match(run(['keys', 'list', '--env', 'live']).stdout, new RegExp(`${id}.*revoked`));
    assert.equal(run(['keys', 'create', '--env', 'prod']).status, 2);
  });

  test('a bad configuration fails fast with a readable message', () => {
    const result = run(['serve'], { PORT: 'nope', LOG_LEVEL: 'loud' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Invalid configuration:\n {2}- PORT must be a number/);
    assert.match(result.stderr, /LOG_LEVEL must be one of/);
  });
});
