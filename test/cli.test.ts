/**
 * The command line: `serve` (first start prints keys once), `migrate`, `keys create|list|revoke`;
 * help, version and usage errors (issue 13, item 2).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const BIN = join(import.meta.dirname, '..', 'bin', 'userplane.js');
const dir = mkdtempSync(join(tmpdir(), 'userplane-cli-'));
const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`, USERPLANE_ADMIN_KEYS: '', LOG_LEVEL: 'info' };

function run(args: string[], extraEnv: Record<string, string> = {}, cwd?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000, cwd });
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

  test('keys revoke of an unknown id: one line naming it, exit 1', () => {
    const result = run(['keys', 'revoke', '--env', 'live', 'key_01notakey00000000000000000']);
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stderr, 'userplane: keys revoke: no active live key has the id "key_01notakey00000000000000000" (see: userplane keys list --env live)\n');
  });
});

describe('userplane CLI usage (issue 13, item 2)', () => {
  const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  // Run in an empty directory with the default DATABASE_URL (sqlite:./data/userplane.db): any side effect shows as a file.
  const empty = mkdtempSync(join(tmpdir(), 'userplane-cli-help-'));
  const { DATABASE_URL: _unset, ...defaults } = env;
  const inEmpty = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: { ...defaults, PORT: '0' }, encoding: 'utf8', timeout: 30_000, cwd: empty });
  after(() => rmSync(empty, { recursive: true, force: true }));

  test('--help, -h, help: usage on stdout, exit 0, and nothing done', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--help'], /Commands:[\s\S]*serve[\s\S]*worker[\s\S]*migrate[\s\S]*keys/],
      [['-h'], /Commands:/],
      [['help', 'migrate'], /^Usage: userplane migrate/],
      [['serve', '--help'], /--port <port>[\s\S]*--host <host>[\s\S]*--workers <n>[\s\S]*--database-url <url>/],
      [['worker', '-h'], /^Usage: userplane worker/],
      [['keys', 'create', '--help'], /--env <environment>[\s\S]*--name <name>[\s\S]*--scopes <list>[\s\S]*--type <type>/],
    ];
    for (const [args, usage] of cases) {
      const result = inEmpty(args);
      assert.equal(result.status, 0, `userplane ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /^Usage: userplane/);
      assert.match(result.stdout, usage, `userplane ${args.join(' ')}`);
      assert.equal(result.stderr, '');
      // serve --help started no server and created no database; keys create --help created no key.
      assert.deepEqual(readdirSync(empty), [], `userplane ${args.join(' ')} created files`);
    }
  });

  test('--version prints the package version', () => {
    const result = inEmpty(['--version']);
    assert.equal(result.status, 0);
    assert.equal(result.stdout, `${VERSION}\n`);
  });

  test('an unknown command or option, a missing argument: named on stderr, exit 2, nothing done', () => {
    const cases: Array<[string[], RegExp]> = [
      [['serv'], /unknown command 'serv'/],
      [['serve', '--prot', '9000'], /unknown option '--prot'/],
      [['keys', 'create', '--env', 'prod'], /'prod' is invalid/],
      [['keys', 'revoke', '--env', 'live'], /missing required argument 'key-id'/],
      [[], /^Usage: userplane/],
    ];
    for (const [args, message] of cases) {
      const result = inEmpty(args);
      assert.equal(result.status, 2, `userplane ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, `userplane ${args.join(' ')}`);
      assert.equal(result.stdout, '');
    }
    assert.equal(existsSync(join(empty, 'data')), false);
  });

  test('flags after the command still reach the configuration (--database-url, --log-level)', () => {
    const url = `sqlite:${join(dir, 'flags.db')}`;
    const result = inEmpty(['migrate', '--database-url', url, '--log-level', 'warn']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Applied: 001-initial/);
    assert.ok(existsSync(join(dir, 'flags.db')));
    assert.match(inEmpty(['--log-level', 'loud', 'migrate', '--database-url', url]).stderr, /LOG_LEVEL must be one of/);
  });
});
