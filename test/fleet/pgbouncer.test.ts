/**
 * Issue 8, part 2: Userplane behind Debian's pgbouncer in transaction mode, where each transaction
 * of one client connection may run on another server session, so nothing may rely on session
 * state. A `serve` process with a pool of 10 goes through a pgbouncer with 2 server connections.
 * Without pgbouncer (or TEST_DATABASE_URL) the suite is skipped and says so, except under CI,
 * where a missing pgbouncer fails it (.ci/run installs the pgbouncer package).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openConnection } from '../../src/store/connection.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { DATABASES, POSTGRES_URL, type TestDatabase } from '../helpers/databases.ts';
import { freePort, sleep, startServe, type ServeProcess } from '../helpers/processes.ts';
import { assertStatementTimeout } from '../helpers/statement-timeout.ts';

const PGBOUNCER = process.env.PGBOUNCER_PATH ?? '/usr/sbin/pgbouncer';
const HAVE_PGBOUNCER = existsSync(PGBOUNCER);
const SKIP = !POSTGRES_URL
  ? 'skipped: TEST_DATABASE_URL is not set'
  : !HAVE_PGBOUNCER && !process.env.CI
    ? `skipped: no pgbouncer at ${PGBOUNCER} (apt-get install pgbouncer, or set PGBOUNCER_PATH); under CI they run, or fail`
    : false;
if (SKIP) console.log(`# pgbouncer tests ${SKIP}`);

/** Skipped one by one (not as a suite) so the run's summary counts what did not run. */
const bouncerTest = (name: string, fn: () => Promise<void>) => test(name, { skip: SKIP }, fn);

const KEY = 'sk_test_pgbouncer_test_key_0001';
/** Server connections per database and user: far fewer than the 10 Userplane's pool opens. */
const SERVER_POOL = 2;
// pgbouncer refuses to run as root; as root it switches to this user itself (-u).
const RUN_AS = userInfo().uid === 0 ? 'postgres' : null;

interface Pgbouncer {
  port: number;
  /** `upstream` with pgbouncer's host and port (and `user` in place of its user, when given). */
  urlFor(upstream: string, user?: string): string;
  /** SHOW POOLS row of one database and user, through pgbouncer's admin console. */
  pool(database: string, user?: string): Promise<Record<string, string>>;
  /** Client connections pgbouncer has open to one database. */
  clients(database: string): Promise<number>;
  /** SHOW <what> on pgbouncer's admin console. */
  show(what: string): Promise<Record<string, string>[]>;
  log(): string;
  stop(): Promise<void>;
}

async function startPgbouncer(upstream: URL, users: string[]): Promise<Pgbouncer> {
  const dir = mkdtempSync(join(tmpdir(), 'userplane-pgbouncer-'));
  if (RUN_AS) execFileSync('chown', [RUN_AS, dir]);
  const port = await freePort();
  const password = decodeURIComponent(upstream.password);
  const admin = decodeURIComponent(upstream.username) || 'postgres';
  // The upstream password (if any) is how pgbouncer logs in to PostgreSQL as each user.
  writeFileSync(join(dir, 'users.txt'), [...new Set([admin, ...users])].map((user) => `"${user}" "${password}"\n`).join(''));
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${upstream.hostname} port=${upstream.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `admin_users = ${admin}`,
      'pool_mode = transaction',
      `default_pool_size = ${SERVER_POOL}`,
      'max_client_conn = 200',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(PGBOUNCER, [...(RUN_AS ? ['-u', RUN_AS] : []), join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const log = () => (existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : '');
  const urlFor = (target: string, user?: string) => {
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    if (user) url.username = user;
    return url.toString();
  };
  const adminQuery = async (text: string) => {
    const client = new pg.Client({ connectionString: urlFor(`postgres://${encodeURIComponent(admin)}@x/pgbouncer`) });
    await client.connect();
    try {
      return (await client.query(text)).rows as Record<string, string>[];
    } finally {
      await client.end();
    }
  };
  const bouncer: Pgbouncer = {
    port,
    urlFor,
    async pool(database, user = admin) {
      const row = (await adminQuery('SHOW POOLS')).find((r) => r.database === database && r.user === user);
      return row ?? {};
    },
    async clients(database) {
      return (await adminQuery('SHOW CLIENTS')).filter((r) => r.database === database).length;
    },
    show: (what) => adminQuery(`SHOW ${what}`),
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let started = Date.now(); ; await sleep(50)) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}):\n${log()}`);
    try {
      await adminQuery('SHOW VERSION');
      return bouncer;
    } catch (error) {
      if (Date.now() - started > 10_000) {
        await bouncer.stop();
        throw new Error(`pgbouncer did not answer within 10 s (${(error as Error).message}):\n${log()}`);
      }
    }
  }
}

/** One statement on the upstream server itself, bypassing pgbouncer. */
async function direct<Row>(url: string, text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** `promise`, or `fallback` after `ms` (the timer does not outlive the race). */
async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (const started = Date.now(); !(await check()); await sleep(25)) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
  }
}

describe('behind pgbouncer in transaction mode (issue 8)', () => {
  let bouncer: Pgbouncer;
  let database: TestDatabase;
  let dbName: string;
  let node: ServeProcess;
  let base: string;
  /** A role of this suite's own, for the statement timeout set the way pgbouncer needs it. */
  const timeoutRole = `userplane_pgb_${randomBytes(4).toString('hex')}`;

  before(async () => {
    if (SKIP) return;
    if (!HAVE_PGBOUNCER) throw new Error(`CI is set but there is no pgbouncer at ${PGBOUNCER}: .ci/run installs the pgbouncer package, and these tests must run in CI.`);
    database = await DATABASES.find((kind) => kind.name === 'postgres')!.create();
    dbName = new URL(database.url).pathname.slice(1);
    bouncer = await startPgbouncer(new URL(POSTGRES_URL!), [timeoutRole]);
    // Debian's pgbouncer (1.18) cannot keep named prepared statements in transaction mode: the README says to turn them off.
    node = startServe({ DATABASE_URL: bouncer.urlFor(database.url), DATABASE_POOL_SIZE: '10', USERPLANE_ADMIN_KEYS: KEY, USERPLANE_WORKERS: '1', USERPLANE_RATE_LIMIT: 'off', DATABASE_PREPARED_STATEMENTS: 'off' });
    base = await node.ready;
  });

  after(async () => {
    if (node && node.child.exitCode === null) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    await bouncer?.stop();
    await database?.drop();
    if (POSTGRES_URL && !SKIP) await direct(POSTGRES_URL, `DROP ROLE IF EXISTS ${timeoutRole}`).catch(() => {});
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };

  bouncerTest('serve migrated through pgbouncer; create, PATCH and read back', async () => {
    const created = await call('POST', '/v1/users', { email: 'bouncer@example.com', first_name: 'Pg' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const patched = await call('PATCH', `/v1/users/${created.body.id}`, { last_name: 'Bouncer', metadata: { plan: 'pro' } });
    assert.equal(patched.status, 200);
    const read = await call('GET', `/v1/users/${created.body.id}`);
    assert.equal(read.headers.get('etag'), '"2"');
    assert.deepEqual([read.body.first_name, read.body.last_name, read.body.metadata], ['Pg', 'Bouncer', { plan: 'pro' }]);
  });

  bouncerTest('20 concurrent PATCHes adding different metadata keys keep all 20, at version 21, over 2 server connections', async () => {
    const user = (await call('POST', '/v1/users', { email: 'bouncer-meta@example.com', metadata: { base: true } })).body;
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => call('PATCH', `/v1/users/${user.id}`, { metadata: { [`key${i}`]: i } })));
    assert.deepEqual(responses.map((r) => r.status), Array(20).fill(200));
    const final = (await call('GET', `/v1/users/${user.id}`)).body;
    assert.equal(Object.keys(final.metadata).length, 21);
    for (let i = 0; i < 20; i++) assert.equal(final.metadata[`key${i}`], i);
    assert.equal(final.version, 21);
    assert.equal((await call('GET', `/v1/users/${user.id}/events?limit=100`)).body.data.length, 21);
    // Userplane's pool really opened more client connections than pgbouncer has server ones.
    assert.ok((await bouncer.clients(dbName)) > SERVER_POOL, 'more client connections than server connections');
    const sessions = await direct<{ count: string }>(POSTGRES_URL!, `select count(*) from pg_stat_activity where datname = $1 and backend_type = 'client backend'`, [dbName]);
    assert.ok(Number(sessions[0]?.count) <= SERVER_POOL, `at most ${SERVER_POOL} server sessions, saw ${sessions[0]?.count}`);
  });

  bouncerTest('20 users racing for one email: one 200, nineteen 409s naming email', async () => {
    const users = [];
    for (let i = 0; i < 20; i++) users.push((await call('POST', '/v1/users', { email: `bouncer-racer${i}@example.com` })).body);
    const responses = await Promise.all(users.map((u) => call('PATCH', `/v1/users/${u.id}`, { email: 'Bouncer-Contested@Example.com' })));
    assert.deepEqual(responses.map((r) => r.status).sort(), [200, ...Array(19).fill(409)]);
    for (const r of responses.filter((x) => x.status === 409)) assert.deepEqual(Object.keys(r.body.details), ['email']);
    assert.equal((await call('GET', '/v1/users?email=bouncer-contested@example.com')).body.data.length, 1);
  });

  bouncerTest('a POST with an Idempotency-Key, sent 10 times at once and once more: one user, the rest replays', async () => {
    const headers = { 'idempotency-key': `bouncer-${randomBytes(6).toString('hex')}` };
    const body = { email: 'bouncer-idem@example.com' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/v1/users', body, headers)));
    responses.push(await call('POST', '/v1/users', body, headers));
    assert.deepEqual(responses.map((r) => r.status), Array(11).fill(201));
    assert.equal(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 10);
    assert.equal(new Set(responses.map((r) => r.body.id)).size, 1);
    assert.equal((await call('GET', '/v1/users?email=bouncer-idem@example.com')).body.data.length, 1);
  });

  bouncerTest('If-Match: a stale ETag is a 412 and writes nothing; the current one writes', async () => {
    const user = (await call('POST', '/v1/users', { email: 'bouncer-etag@example.com' })).body;
    assert.equal((await call('PATCH', `/v1/users/${user.id}`, { first_name: 'A' }, { 'if-match': '"1"' })).status, 200);
    const stale = await call('PATCH', `/v1/users/${user.id}`, { first_name: 'B' }, { 'if-match': '"1"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error, 'precondition_failed');
    const read = await call('GET', `/v1/users/${user.id}`);
    assert.deepEqual([read.body.first_name, read.headers.get('etag')], ['A', '"2"']);
  });

  bouncerTest('DATABASE_PREPARED_STATEMENTS=off: ten PATCHes at once over two server sessions, no statement refused', async () => {
    const user = (await call('POST', '/v1/users', { email: 'bouncer-unnamed@example.com' })).body;
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => call('PATCH', `/v1/users/${user.id}`, { first_name: `N${i}` })));
    assert.deepEqual(responses.map((r) => r.status), Array(10).fill(200));
    assert.equal((await call('GET', `/v1/users/${user.id}`)).body.version, 11);
    assert.doesNotMatch(node.output(), /named prepared statement/);
  });

  // Issue 19: left on behind a pgbouncer that cannot keep them, the process warns once and carries on.
  bouncerTest('DATABASE_PREPARED_STATEMENTS on behind pgbouncer 1.18: one warning naming the setting, then served without them', async () => {
    const version = String(Object.values((await bouncer.show('VERSION'))[0] ?? {})[0] ?? '');
    const [major, minor] = (/(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
    if (major! > 1 || minor! >= 21) return void console.log(`# pgbouncer ${version} keeps prepared statements when max_prepared_statements is set: this case needs an older one`);
    const on = startServe({ DATABASE_URL: bouncer.urlFor(database.url), DATABASE_POOL_SIZE: '10', USERPLANE_ADMIN_KEYS: KEY, USERPLANE_WORKERS: '1', USERPLANE_RATE_LIMIT: 'off' });
    try {
      const onBase = await on.ready;
      const patch = (id: string, i: number) =>
        fetch(`${onBase}/v1/users/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ first_name: `P${i}` }) });
      const user = (await call('POST', '/v1/users', { email: 'bouncer-prepared@example.com' })).body;
      // Ten connections over two server sessions: a statement prepared on one is soon missing on the other.
      for (let round = 0; round < 20 && !/named prepared statement/.test(on.output()); round++) {
        await Promise.all(Array.from({ length: 10 }, (_, i) => patch(user.id, round * 10 + i)));
      }
      await on.waitFor(/PostgreSQL refused a named prepared statement .*DATABASE_PREPARED_STATEMENTS=off/, 5_000);
      assert.equal(on.output().match(/PostgreSQL refused a named prepared statement/g)?.length, 1, 'warned once');
      const after = await Promise.all(Array.from({ length: 20 }, (_, i) => patch(user.id, 1000 + i)));
      assert.deepEqual(after.map((r) => r.status), Array(20).fill(200), 'every request after the warning is served');
    } finally {
      on.child.kill('SIGTERM');
      await on.exited;
    }
  });

  bouncerTest('DATABASE_STATEMENT_TIMEOUT_MS through pgbouncer stops serve at once with a message naming the fix', async () => {
    const refused = startServe({ DATABASE_URL: bouncer.urlFor(database.url), DATABASE_STATEMENT_TIMEOUT_MS: '30000', USERPLANE_ADMIN_KEYS: KEY, USERPLANE_WORKERS: '1' });
    const code = await within(refused.exited, 20_000, 'still running');
    if (code === 'still running') refused.child.kill('SIGKILL');
    assert.equal(code, 1, refused.output());
    assert.match(refused.output(), /refused the statement_timeout that DATABASE_STATEMENT_TIMEOUT_MS=30000 sends/);
    assert.match(refused.output(), /ALTER ROLE "postgres" SET statement_timeout = 30000/);
    assert.match(refused.output(), /unsupported startup parameter: statement_timeout/);
  });

  bouncerTest('a statement timeout set on the role holds through pgbouncer, and cancels a slow statement', async () => {
    await direct(POSTGRES_URL!, `CREATE ROLE ${timeoutRole} LOGIN`);
    await direct(POSTGRES_URL!, `ALTER ROLE ${timeoutRole} IN DATABASE ${dbName} SET statement_timeout = 300`);
    const { db } = openConnection(bouncer.urlFor(database.url, timeoutRole), { poolSize: 5 });
    try {
      await assertStatementTimeout(db, '300ms', 5);
    } finally {
      await db.destroy();
    }
  });

  // Kysely's Migrator takes a session advisory lock before its transaction and releases it after.
  // Through pgbouncer those three may run on three server sessions: the unlock misses, the lock
  // stays on a pooled session, and the next start waits on it (for up to an hour).
  bouncerTest('migrations leave no advisory lock behind when pgbouncer moves them between server sessions', async () => {
    const other = await DATABASES.find((kind) => kind.name === 'postgres')!.create();
    const otherName = new URL(other.url).pathname.slice(1);
    const blocker = new pg.Client({ connectionString: other.url });
    const holder = new pg.Client({ connectionString: bouncer.urlFor(other.url) });
    const queued = new pg.Client({ connectionString: bouncer.urlFor(other.url) });
    const { db, capabilities } = openConnection(bouncer.urlFor(other.url));
    try {
      await Promise.all([blocker.connect(), holder.connect(), queued.connect()]);
      // Any advisory lock held directly makes the migrator's lock wait wherever it runs.
      await blocker.query(`select pg_advisory_lock(3853314791062309107)`);
      await holder.query('begin');
      await holder.query('select 1'); // pins server session 1
      const migrating = migrateToLatest(db, capabilities);
      await until('the migrator waits for its lock', async () => {
        const rows = await direct<{ n: string }>(other.url, `select count(*) as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock' and wait_event = 'advisory'`, [otherName]);
        return Number(rows[0]!.n) > 0;
      });
      const queuedBegin = queued.query('begin'); // waits in pgbouncer: both server sessions are busy
      await until('a client waits in pgbouncer', async () => Number((await bouncer.pool(otherName)).cl_waiting) > 0);
      await blocker.query(`select pg_advisory_unlock(3853314791062309107)`);
      await queuedBegin;
      await holder.query('commit');
      const applied = await within(migrating, 30_000, null);
      assert.ok(applied, 'migrations finished');
      const locks = await direct(other.url, `select pid from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = $1)`, [otherName]);
      assert.deepEqual(locks, []);
      await queued.query('commit');
    } finally {
      await Promise.all([blocker.end(), holder.end(), queued.end()].map((p) => p.catch(() => {})));
      await db.destroy();
      await other.drop();
    }
  });
});
