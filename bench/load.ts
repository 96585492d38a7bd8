/** The HTTP side: autocannon against a running server, and the check that seeded users are real users. */
import { ok, strictEqual } from 'node:assert';
import autocannon from 'autocannon';
import { BENCH_KEY } from './server.ts';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx responses, socket errors and timeouts together: all must be 0. */
  failures: number;
  total: number;
}

const auth = { authorization: `Bearer ${BENCH_KEY}` };
const NAMES = ['Ada', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia'];
const FIELDS = ['first_name', 'last_name', 'title', 'location', 'organization'];

/** PATCH /v1/users/{id}: a random user of the whole population, a random field, a random value. */
export function patchLoad(base: string, ids: readonly string[]): autocannon.Options {
  return {
    url: base,
    requests: [
      {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json' },
        setupRequest: (request) => {
          const id = ids[Math.floor(Math.random() * ids.length)];
          const field = FIELDS[Math.floor(Math.random() * FIELDS.length)]!;
          const value = `${NAMES[Math.floor(Math.random() * NAMES.length)]} ${Math.floor(Math.random() * 1e6)}`;
          return { ...request, path: `/v1/users/${id}`, body: JSON.stringify({ [field]: value }) };
        },
      },
    ],
  };
}

/**
 * GET /v1/users?q=: the console's search box over the whole population. Each request searches one
 * of: a random user's email prefix (one match or a few), a random "user N" last-name prefix (from
 * one to a tenth of everyone), a prefix nobody has (the case a scan would pay most for), and
 * "bench", which every seeded user matches.
 */
export function searchLoad(base: string, users: number): autocannon.Options {
  const terms = [
    () => `bench${Math.floor(Math.random() * users)}.`,
    () => `user ${Math.floor(Math.random() * users)}`,
    () => `nobody${Math.floor(Math.random() * 1e6)}`,
    () => 'bench',
  ];
  return {
    url: base,
    requests: [
      {
        method: 'GET',
        headers: auth,
        setupRequest: (request) => ({ ...request, path: `/v1/users?limit=20&q=${encodeURIComponent(terms[Math.floor(Math.random() * terms.length)]!())}` }),
      },
    ],
  };
}

/** GET /v1/users/{id}: a random user of the whole population. */
export function getUserLoad(base: string, ids: readonly string[]): autocannon.Options {
  return {
    url: base,
    requests: [{ method: 'GET', headers: auth, setupRequest: (request) => ({ ...request, path: `/v1/users/${ids[Math.floor(Math.random() * ids.length)]}` }) }],
  };
}

/**
 * GET /v1/users?limit=100: a full page of 100 users from a random place in the population (after a
 * random user's id; the first page when there are too few users for that).
 */
export function listLoad(base: string, ids: readonly string[]): autocannon.Options {
  const starts = Math.max(0, ids.length - 100);
  return {
    url: base,
    requests: [
      {
        method: 'GET',
        headers: auth,
        setupRequest: (request) => ({ ...request, path: starts === 0 ? '/v1/users?limit=100' : `/v1/users?limit=100&after=${ids[Math.floor(Math.random() * starts)]}` }),
      },
    ],
  };
}

/** GET /v1/whoami: authenticated, touches no table; the yardstick for the HTTP stack itself. */
export function whoamiLoad(base: string): autocannon.Options {
  return { url: `${base}/v1/whoami`, headers: auth };
}

export async function measure(options: autocannon.Options, connections: number, duration: number): Promise<LoadResult> {
  const result = await autocannon({ connections, duration, ...options });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  };
}

/**
 * Seeded rows must be users the server serves: the first, the last and a random one come back as
 * valid /v1 users (the response schema serialised them) with their creation event.
 */
export async function checkSeededUsers(base: string, ids: readonly string[]): Promise<void> {
  const sample = [ids[0]!, ids.at(-1)!, ids[Math.floor(Math.random() * ids.length)]!];
  for (const id of sample) {
    const response = await fetch(`${base}/v1/users/${id}`, { headers: auth });
    strictEqual(response.status, 200, `GET /v1/users/${id}: ${response.status} ${await response.clone().text()}`);
    const user = (await response.json()) as Record<string, unknown>;
    strictEqual(user.object, 'user');
    strictEqual(user.id, id);
    strictEqual(user.environment, 'test');
    ok(Number.isInteger(user.version) && (user.version as number) >= 1, `version of ${id}: ${user.version}`);
    ok(typeof user.metadata === 'object' && user.metadata !== null, `metadata of ${id}`);
    ok(!Number.isNaN(Date.parse(user.created_at as string)), `created_at of ${id}`);
    strictEqual(response.headers.get('etag'), `"${user.version}"`);
    const events = await fetch(`${base}/v1/users/${id}/events?limit=100`, { headers: auth });
    strictEqual(events.status, 200, `GET /v1/users/${id}/events: ${events.status}`);
    const { data } = (await events.json()) as { data: { type: string }[] };
    ok(data.some((e) => e.type === 'user.created'), `user.created event of ${id}`);
  }
}
