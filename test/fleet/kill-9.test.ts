/**
 * Issue 8, part 3: `kill -9` of `serve` (every process of it) under write load, on SQLite and on
 * PostgreSQL. After a restart on the same database every create and update that was answered 2xx
 * is there: the test keeps a client-side ledger (a metadata key of its own per update, and the
 * request id the event log records) and compares; versions match the event log.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { DATABASES, type TestDatabase } from '../helpers/databases.ts';
import { killHard, sleep, startServe, type ServeProcess } from '../helpers/processes.ts';

const KEY = 'sk_test_kill_nine_test_key_00001';
const CLIENTS = 8;
const LOAD_MS = 2000;
const KEYS_PER_USER = 40; // canonical metadata holds up to 50 keys
const REQUEST_TIMEOUT_MS = 10_000;

interface Write {
  userId: string;
  token: string;
  requestId: string;
  /** Order of this write among its user's (one client writes a user, one request at a time). */
  seq: number;
  status: number;
  error?: string;
}

const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

async function send(url: string, init: { method: string; body?: unknown; requestId?: string }): Promise<{ status: number; body: unknown; error?: string }> {
  try {
    const res = await fetch(url, {
      method: init.method,
      headers: init.requestId ? { ...headers, 'x-request-id': init.requestId } : headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  } catch (error) {
    return { status: 0, body: null, error: String((error as Error).cause ?? error) };
  }
}

/** SIGKILL to the serve process and to every HTTP worker it forked (their pids are in its log). */
function killEveryProcess(node: ServeProcess): number[] {
  const pids = new Set([...node.output().matchAll(/"pid":(\d+)/g)].map((m) => Number(m[1])));
  pids.delete(node.child.pid!);
  const killed = [...pids, node.child.pid!];
  for (const pid of killed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return killed;
}

async function eventsOf(base: string, id: string): Promise<{ request_id: string | null; type: string }[]> {
  const events: { request_id: string | null; type: string }[] = [];
  let cursor: string | null = null;
  do {
    const res = await send(`${base}/v1/users/${id}/events?limit=100${cursor ? `&after=${cursor}` : ''}`, { method: 'GET' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const page = res.body as { data: { request_id: string | null; type: string }[]; next_cursor: string | null };
    events.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return events;
}

for (const kind of DATABASES) {
  describe(`kill -9 under write load (${kind.name})`, () => {
    let database: TestDatabase | null = null;
    const nodes: ServeProcess[] = [];
    const pids: number[] = [];
    after(async () => {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      for (const node of nodes) await killHard(node);
      await database?.drop();
    });

    test('after a restart every acknowledged create and update is present', { timeout: 150_000 }, async () => {
      database = await kind.create();
      const env = { DATABASE_URL: database.url, USERPLANE_ADMIN_KEYS: KEY, USERPLANE_RATE_LIMIT: 'off' };
      const first = startServe(env);
      nodes.push(first);
      const base = await first.ready;

      const creates: { id: string | null; token: string; status: number }[] = [];
      const writes: Write[] = [];
      let serial = 0;
      let killed = false;

      async function createUser(label: string): Promise<string | null> {
        const token = `${label}_${++serial}`;
        const res = await send(`${base}/v1/users`, { method: 'POST', body: { email: `${token}@example.com`, metadata: { created: token } }, requestId: `req_${token}` });
        const id = res.status === 201 ? (res.body as { id: string }).id : null;
        creates.push({ id, token, status: res.status });
        return id;
      }

      async function client(index: number): Promise<void> {
        const label = `c${index}`;
        let user: string | null = null;
        let used = 0;
        let seq = 0;
        while (!killed) {
          if (!user || used >= KEYS_PER_USER) {
            user = await createUser(label);
            used = 0;
            seq = 0;
            continue;
          }
          used++;
          const token = `${label}_${++serial}`;
          const requestId = `req_${token}`;
          const res = await send(`${base}/v1/users/${user}`, { method: 'PATCH', body: { first_name: token, metadata: { [`k_${token}`]: token } }, requestId });
          writes.push({ userId: user, token, requestId, seq: ++seq, status: res.status, ...(res.error ? { error: res.error } : {}) });
        }
      }

      const clients = Array.from({ length: CLIENTS }, (_, i) => client(i));
      // Load for LOAD_MS, and on a slow machine until enough writes were acknowledged to be telling.
      const loadStart = Date.now();
      const acked = () => writes.filter((w) => w.status >= 200 && w.status < 300).length;
      while (Date.now() - loadStart < LOAD_MS || (acked() < 100 && Date.now() - loadStart < 60_000)) await sleep(50);
      pids.push(...killEveryProcess(first));
      // The clients keep writing until the process is gone, so the kill lands mid-load even when
      // every response had already been written at the instant of the signal.
      await first.exited;
      killed = true;
      await Promise.all(clients);

      const ok = (status: number) => status >= 200 && status < 300;
      const ackedCreates = creates.filter((c) => ok(c.status));
      const ackedWrites = writes.filter((w) => ok(w.status));
      // Nothing but success before the kill, and nothing but a dropped connection at it.
      const other = [...creates, ...writes].filter((r) => !ok(r.status) && r.status !== 0);
      assert.deepEqual(other.map((r) => `${r.token}: ${r.status}`), [], 'answers other than 2xx before the kill');
      assert.ok(ackedCreates.length >= CLIENTS, `only ${ackedCreates.length} creates were acknowledged`);
      assert.ok(ackedWrites.length >= 100, `only ${ackedWrites.length} updates were acknowledged`);
      const cut = [...creates, ...writes].filter((r) => r.status === 0).length;
      assert.ok(cut >= 1, 'no request failed: the kill did not land under load');

      const second = startServe(env);
      nodes.push(second);
      const again = await second.ready;

      let checked = 0;
      for (const { id } of ackedCreates) {
        const res = await send(`${again}/v1/users/${id}`, { method: 'GET' });
        assert.equal(res.status, 200, `acknowledged create ${id} is missing: ${JSON.stringify(res.body)}`);
        const user = res.body as { first_name: string | null; metadata: Record<string, unknown>; version: number };
        const mine = writes.filter((w) => w.userId === id).sort((a, b) => a.seq - b.seq);
        const events = await eventsOf(again, id!);
        const recorded = new Set(events.map((e) => e.request_id));
        for (const w of mine.filter((m) => ok(m.status))) {
          assert.equal(user.metadata[`k_${w.token}`], w.token, `acknowledged update ${w.token} of ${id} is lost`);
          assert.ok(recorded.has(w.requestId), `acknowledged update ${w.token} of ${id} has no event`);
          checked++;
        }
        // first_name is the last acknowledged write's, or that of the one cut off after it (it may have committed).
        const lastAcked = [...mine].reverse().find((m) => ok(m.status));
        if (lastAcked) {
          const candidates = mine.filter((m) => m.seq >= lastAcked.seq).map((m) => m.token);
          assert.ok(candidates.includes(String(user.first_name)), `${id}: first_name ${user.first_name}, expected one of ${candidates.join(', ')}`);
        }
        // Versions: one per event (created, then each committed update), none skipped or repeated.
        assert.equal(user.version, events.length, `${id}: version ${user.version} with ${events.length} events`);
        assert.equal(events.filter((e) => e.type === 'user.created').length, 1);
        const committed = Object.keys(user.metadata).filter((k) => k.startsWith('k_')).length;
        assert.equal(user.version, 1 + committed, `${id}: version ${user.version} with ${committed} updates applied`);
      }
      assert.equal(checked, ackedWrites.length);

      // The restarted process takes writes again.
      const res = await send(`${again}/v1/users/${ackedCreates[0]!.id}`, { method: 'PATCH', body: { last_name: 'after restart' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));

      if (kind.name === 'sqlite') {
        await killHard(second);
        const file = database.url.slice('sqlite:'.length);
        const db = new SqliteDatabase(file, { readonly: true });
        try {
          assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        } finally {
          db.close();
        }
      }
    });
  });
}
