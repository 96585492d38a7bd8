/**
 * Issue 13, item 4: another process holding SQLite's write lock (a shell, a backup, another worker
 * mid-transaction) must not freeze the server. Reads and /healthz keep answering while a write
 * waits; the write goes through once the lock is released, or fails 503 after DATABASE_LOCK_TIMEOUT_MS.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { UnavailableError } from '../../src/domain/errors.ts';
import { toDomainError } from '../../src/http/errors.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

// A second process that takes the write lock (writing title "held" on user argv[4] if given), says
// so, and commits when told to on stdin ("released go"), or by itself after argv[2] ms ("released timeout").
const HOLDER = `
const Database = require(process.argv[3]);
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 10000');
db.exec('BEGIN IMMEDIATE');
if (process.argv[4]) db.prepare("UPDATE users SET title = 'held' WHERE id = ?").run(process.argv[4]);
process.stdout.write('locked\\n');
let done = false;
const release = (why) => { if (done) return; done = true; db.exec('COMMIT'); db.close(); process.stdout.write('released ' + why + '\\n'); process.exit(0); };
process.stdin.once('data', () => release('go'));
setTimeout(() => release('timeout'), Number(process.argv[2]));
`;

interface Holder {
  /** How the lock ended: "go" (told to) or "timeout" (this test's process never got to say so). */
  released: Promise<string>;
  /** Tells the holder to commit now. */
  go(): void;
}

async function holdLock(t: TestApp, ms: number, userId = ''): Promise<Holder> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const child = spawn(process.execPath, ['-e', HOLDER, t.databaseUrl.slice('sqlite:'.length), String(ms), driver, userId], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  let onReleased: (why: string) => void = () => {};
  const released = new Promise<string>((resolve) => (onReleased = resolve));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code} before locking`)));
    lines.on('line', (line) => {
      if (line === 'locked') resolve();
      if (line.startsWith('released ')) onReleased(line.slice('released '.length));
    });
  });
  return { released, go: () => child.stdin!.end('go\n') };
}

const sqlite = DATABASES.find((kind) => kind.name === 'sqlite')!;

describe('SQLite write lock held by another process', () => {
  test('reads and /healthz answer while a write waits; the write succeeds once the lock is released', async () => {
    const t = await startTestApp(sqlite, { storeOptions: { lockTimeoutMs: 20_000 } });
    try {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'locked@example.com' } })).json();
      // The holder lets go when this process, still answering, tells it to; a server frozen on the
      // lock could not, and the holder would give up after 5 s by itself.
      const holder = await holdLock(t, 5000, user.id);
      const write = t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { first_name: 'Waited' } });
      // Give the write time to reach the lock (a timer: it fires late if the write blocks the event loop).
      await new Promise((resolve) => setTimeout(resolve, 500));
      const health = await t.request({ method: 'GET', url: '/healthz', key: null });
      assert.equal(health.statusCode, 200);
      const read = await t.request({ method: 'GET', url: `/v1/users/${user.id}` });
      assert.equal(read.statusCode, 200);
      holder.go();
      assert.equal(await holder.released, 'go', 'the read had to wait for the other process to let go of the lock');
      const written = await write;
      assert.equal(written.statusCode, 200, written.body);
      assert.equal(written.json().first_name, 'Waited');
      // It waited for the other process's commit, and read the row after it.
      assert.equal(written.json().title, 'held');
    } finally {
      await t.close();
    }
  });

  test('a write that waits longer than the lock timeout is a 503 with Retry-After; later writes go through', async () => {
    const t = await startTestApp(sqlite, { storeOptions: { lockTimeoutMs: 300 } });
    try {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'timeout@example.com' } })).json();
      const holder = await holdLock(t, 5000);
      const refused = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { first_name: 'Never' } });
      assert.equal(refused.statusCode, 503, refused.body);
      assert.equal(refused.json().error, 'unavailable');
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      // An autocommit write (no transaction) waits the same way.
      const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'also-refused@example.com' } });
      assert.equal(created.statusCode, 503, created.body);
      holder.go();
      assert.equal(await holder.released, 'go');
      const later = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { first_name: 'Later' } });
      assert.equal(later.statusCode, 200, later.body);
      assert.equal(later.json().version, 2);
    } finally {
      await t.close();
    }
  });

  test('DATABASE_LOCK_TIMEOUT_MS: 5000 by default, a whole number of ms', () => {
    assert.equal(loadConfig({}).sqliteLock.timeoutMs, 5000);
    assert.equal(loadConfig({ DATABASE_LOCK_TIMEOUT_MS: '250' }).sqliteLock.timeoutMs, 250);
    assert.throws(() => loadConfig({ DATABASE_LOCK_TIMEOUT_MS: 'soon' }), /DATABASE_LOCK_TIMEOUT_MS/);
  });

  test('every SQLITE_BUSY variant is unavailable', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT']) {
      assert.ok(toDomainError(Object.assign(new Error('database is locked'), { code })) instanceof UnavailableError, code);
    }
  });
});
