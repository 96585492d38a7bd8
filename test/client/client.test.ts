/**
 * @userplane/client against a live Userplane on 127.0.0.1 (both databases): resource methods,
 * pagination, typed errors with details and request ids, 412 with the current ETag and a retry
 * with it, automatic Idempotency-Key, and retries of 429/503/network failures honouring
 * Retry-After up to a cap. Imported from source: no build is needed to run it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConflictError,
  createUserplaneClient,
  EmailVerificationError,
  NetworkError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  type UserplaneClient,
} from '@userplane/client';
import { waitUntil } from '../helpers/wait.ts';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useListeningApp } from '../helpers/app.ts';

for (const kind of DATABASES) {
  describe(`@userplane/client (${kind.name})`, () => {
    // Idle sockets are kept a minute, so that fetch never reuses one the server is closing (ECONNRESET on a busy machine).
    const t = useListeningApp(kind, { edge: { keepAliveTimeoutMs: 60_000 } });
    let client: UserplaneClient;
    const clientOf = () => (client ??= createUserplaneClient({ baseUrl: t.base, apiKey: TEST_ADMIN_KEY }));

    test('create, get, update with If-Match, delete', async () => {
      const users = clientOf().users;
      const created = await users.create({ email: 'ada@example.com', first_name: 'Ada', metadata: { plan: 'free' } });
      assert.match(created.id, /^usr_/);
      assert.equal(created.version, 1);
      const read = await users.get(created.id);
      assert.equal(read.email, 'ada@example.com');
      const updated = await users.update(created.id, { last_name: 'Lovelace', metadata: { plan: 'pro' } }, { ifMatch: read });
      assert.equal(updated.version, 2);
      assert.deepEqual(updated.metadata, { plan: 'pro' });
      assert.deepEqual(await users.delete(created.id, { ifMatch: '"2"' }), { id: created.id, object: 'user', deleted: true });
      await assert.rejects(users.get(created.id), NotFoundError);
    });

    test('a 412 carries the current version and ETag; the update retried with it succeeds', async () => {
      const users = clientOf().users;
      const user = await users.create({ email: 'race@example.com' });
      await users.update(user.id, { first_name: 'Someone else' }); // version 2 now
      const error = await users.update(user.id, { last_name: 'Mine' }, { ifMatch: user }).catch((e: unknown) => e);
      assert.ok(error instanceof PreconditionFailedError, String(error));
      assert.equal(error.status, 412);
      assert.equal(error.code, 'precondition_failed');
      assert.equal(error.currentVersion, 2);
      assert.equal(error.etag, '"2"');
      assert.match(error.requestId ?? '', /^req_/);
      const retried = await users.update(user.id, { last_name: 'Mine' }, { ifMatch: error.etag! });
      assert.equal(retried.version, 3);
      assert.equal(retried.first_name, 'Someone else');
    });

    test('typed errors: validation details, conflicts, unknown keys, with the request id', async () => {
      const users = clientOf().users;
      const invalid = await users.create({ email: 'not an address', country: 'XX' }).catch((e: unknown) => e);
      assert.ok(invalid instanceof ValidationError, String(invalid));
      assert.equal(invalid.status, 400);
      assert.ok(invalid.details.email && invalid.details.country, JSON.stringify(invalid.details));
      assert.match(invalid.requestId ?? '', /^req_/);
      await users.create({ email: 'taken@example.com' });
      const taken = await users.create({ email: 'TAKEN@example.com' }).catch((e: unknown) => e);
      assert.ok(taken instanceof ConflictError);
      assert.ok(taken.details.email);
      const unverified = await users.create({ email: 'unverified@example.com' });
      const noCode = await users.emailVerification.confirm(unverified.id, '123456').catch((e: unknown) => e);
      assert.ok(noCode instanceof EmailVerificationError, String(noCode));
      assert.equal(noCode.code, 'verification_code_missing');
      assert.match(noCode.requestId ?? '', /^req_/);
      const stranger = createUserplaneClient({ baseUrl: t.base, apiKey: 'sk_test_nobody_knows_this_key_000' });
      await assert.rejects(stranger.users.get('usr_01jdq3v8a4x5s6e7r8t9y0z1ab'), UnauthorizedError);
    });

    test('list: every page as an async iterator, or one page', async () => {
      const users = clientOf().users;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await users.create({ external_id: `page-${i}`, metadata: { batch: 'pages' } })).id);
      const page = await users.listPage({ limit: 2, q: 'page-' });
      assert.equal(page.data.length, 2);
      assert.equal(page.has_more, true);
      const all: string[] = [];
      for await (const user of users.list({ limit: 2, q: 'page-' })) all.push(user.id);
      assert.deepEqual(all, ids);
      let pages = 0;
      for await (const p of users.list({ limit: 2, q: 'page-' }).pages()) pages += p.data.length > 0 ? 1 : 0;
      assert.equal(pages, 3);
    });

    test('events.list follows the feed oldest first; listPage polls on from the last cursor', async () => {
      const c = clientOf();
      const user = await c.users.create({ email: 'feed-client@example.com' });
      await c.users.update(user.id, { first_name: 'F' });
      const mine = async () => {
        const seen: string[] = [];
        for await (const event of c.events.list({ limit: 2 })) if (event.user_id === user.id) seen.push(event.type);
        return seen;
      };
      // On PostgreSQL an event is listed once no older transaction can still commit before it.
      let seen: string[] = [];
      await waitUntil(async () => (seen = await mine()).length >= 2, () => `the user's two events in the feed; saw ${seen.join(', ')}`, 20_000, 50);
      assert.deepEqual(seen, ['user.created', 'user.updated']);

      let cursor: string | null = null;
      for await (const page of c.events.list({ limit: 100 }).pages()) cursor = page.next_cursor;
      assert.ok(cursor, 'the last page gives a cursor to poll on');
      await c.users.delete(user.id);
      let next: Awaited<ReturnType<typeof c.events.listPage>> | undefined;
      await waitUntil(async () => ((next = await c.events.listPage({ after: cursor! })).data.length > 0), () => 'the delete after the cursor', 20_000, 50);
      assert.deepEqual(next!.data.map((e) => [e.type, e.user_id]), [['user.deleted', user.id]]);
    });

    test('events, batch, whoami, API keys, webhook endpoints', async () => {
      const c = clientOf();
      const user = await c.users.create({ email: 'history@example.com' });
      await c.users.update(user.id, { first_name: 'H' });
      const events: string[] = [];
      for await (const event of c.users.events(user.id, { limit: 1 })) events.push(event.type);
      assert.deepEqual(events, ['user.updated', 'user.created']);

      const batch = await c.users.batch({ operations: [{ op: 'create', data: { email: 'b1@example.com' } }, { op: 'delete', id: user.id }] });
      assert.deepEqual(batch.summary, { created: 1, updated: 0, unchanged: 0, deleted: 1, failed: 0 });

      assert.equal((await c.whoami()).environment, 'test');

      const key = await c.apiKeys.create({ name: 'client test', scopes: ['read'] });
      assert.match(key.secret, /^sk_test_/);
      const keys: string[] = [];
      for await (const k of c.apiKeys.list()) keys.push(k.id);
      assert.ok(keys.includes(key.id));
      await c.apiKeys.revoke(key.id);
      await assert.rejects(createUserplaneClient({ baseUrl: t.base, apiKey: key.secret }).users.listPage(), UnauthorizedError);

      const endpoint = await c.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hooks', event_types: ['user.created'] });
      assert.match(endpoint.secret, /^whsec_/);
      assert.equal((await c.webhookEndpoints.update(endpoint.id, { enabled: false })).enabled, false);
      assert.equal((await c.webhookEndpoints.get(endpoint.id)).id, endpoint.id);
      const rotated = await c.webhookEndpoints.rotateSecret(endpoint.id);
      assert.notEqual(rotated.secret, endpoint.secret);
      const deliveries = [];
      for await (const d of c.webhookEndpoints.deliveries(endpoint.id)) deliveries.push(d);
      assert.deepEqual(deliveries, []);
      await c.webhookEndpoints.delete(endpoint.id);
      await assert.rejects(c.webhookEndpoints.get(endpoint.id), NotFoundError);
    });

    test('the raw typed calls of openapi-fetch reach every door', async () => {
      const c = clientOf();
      const { data, response } = await c.POST('/user_management/users', { body: { email: 'raw@example.com', first_name: 'Raw' } });
      assert.equal(response.status, 201);
      assert.match(data!.id, /^user_/);
      const { data: fetched } = await c.GET('/v1/users/{id}', { params: { path: { id: `usr_${data!.id.slice(5).toLowerCase()}` } } });
      assert.equal(fetched?.first_name, 'Raw');
    });

    test('every POST carries an Idempotency-Key: a retried create creates once; one can be given', async () => {
      const sent: Array<string | null> = [];
      const spying = createUserplaneClient({
        baseUrl: t.base,
        apiKey: TEST_ADMIN_KEY,
        fetch: (request) => (sent.push(request.headers.get('idempotency-key')), fetch(request)),
      });
      await spying.users.create({ email: 'idem-auto@example.com' });
      assert.match(sent[0] ?? '', /^[0-9a-f-]{32,36}$/);
      const first = await spying.users.create({ email: 'idem@example.com' }, { idempotencyKey: 'signup-42' });
      const again = await spying.users.create({ email: 'idem@example.com' }, { idempotencyKey: 'signup-42' });
      assert.equal(again.id, first.id);
      assert.equal(sent[2], 'signup-42');
      await spying.users.get(first.id);
      assert.equal(sent[3], null, 'no key on a GET');
    });

    test('503 and network failures are retried (Retry-After honoured, same Idempotency-Key); a wait beyond the cap is not', async () => {
      const keys: Array<string | null> = [];
      let calls = 0;
      const flaky = createUserplaneClient({
        baseUrl: t.base,
        apiKey: TEST_ADMIN_KEY,
        baseRetryDelayMs: 1,
        fetch: async (request) => {
          calls++;
          keys.push(request.headers.get('idempotency-key'));
          if (calls === 1) throw new TypeError('fetch failed');
          if (calls === 2) return new Response(JSON.stringify({ error: 'unavailable', message: 'busy', request_id: 'req_x' }), { status: 503, headers: { 'Retry-After': '0' } });
          return fetch(request);
        },
      });
      const user = await flaky.users.create({ email: 'retried@example.com' });
      assert.equal(calls, 3);
      assert.equal(new Set(keys).size, 1, 'one key on every attempt');
      assert.equal(user.email, 'retried@example.com');

      let limited = 0;
      const capped = createUserplaneClient({
        baseUrl: t.base,
        apiKey: TEST_ADMIN_KEY,
        maxRetryDelayMs: 1_000,
        fetch: async () => (limited++, new Response(JSON.stringify({ error: 'rate_limited', message: 'Too many requests', request_id: 'req_y' }), { status: 429, headers: { 'Retry-After': '120' } })),
      });
      const error = await capped.users.listPage().catch((e: unknown) => e);
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterSeconds, 120);
      assert.equal(limited, 1, 'not retried: Retry-After is beyond the cap');

      let unavailable = 0;
      const down = createUserplaneClient({
        baseUrl: t.base,
        apiKey: TEST_ADMIN_KEY,
        maxRetries: 2,
        fetch: async () => (unavailable++, new Response(JSON.stringify({ error: 'unavailable', message: 'down', request_id: 'req_z' }), { status: 503, headers: { 'Retry-After': '0' } })),
      });
      await assert.rejects(down.users.listPage(), UnavailableError);
      assert.equal(unavailable, 3, 'the first attempt and two retries');

      const unreachable = createUserplaneClient({ baseUrl: 'http://127.0.0.1:9', apiKey: TEST_ADMIN_KEY, maxRetries: 1, baseRetryDelayMs: 1 });
      const network = await unreachable.users.listPage().catch((e: unknown) => e);
      assert.ok(network instanceof NetworkError, String(network));
      assert.equal(network.status, 0);
    });
  });
}
