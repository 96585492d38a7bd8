/**
 * Issue 15, item 1: POST /v1/users/batch on each database. Per-item semantics, order, independence
 * of operations, events, dry runs, within-batch conflicts, limits, idempotent replays, hash imports,
 * and no lost update when batches race single PATCHes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSync } from '@node-rs/bcrypt';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, type TestApp, useListeningApp, useTestApp } from '../helpers/app.ts';
import { createUser } from '../helpers/users.ts';

let n = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++n}`;

for (const kind of DATABASES) {
  describe(`POST /v1/users/batch on ${kind.name}`, () => {
    const t: TestApp = useTestApp(kind);
    const batch = (payload: unknown, headers: Record<string, string> = {}) => t.request({ method: 'POST', url: '/v1/users/batch', payload: payload as object, headers });
    const events = async (id: string) => (await t.request({ method: 'GET', url: `/v1/users/${id}/events?limit=100` })).json();
    const count = async (filter: string) => (await t.request({ method: 'GET', url: `/v1/users?limit=100&${filter}` })).json().data.length;

    test('each kind of operation answers for itself, in request order, with a summary', async () => {
      const a = await createUser(t, { external_id: unique('ext'), first_name: 'A' });
      const b = await createUser(t);
      const c = await createUser(t);
      const d = await createUser(t, { first_name: 'Same' });
      const newExt = unique('ext');
      const res = await batch({
        operations: [
          { op: 'create', data: { email: `${unique('new')}@example.com`, first_name: 'New' } },
          { op: 'upsert', match: 'external_id', data: { external_id: newExt, first_name: 'Up' } },
          { op: 'upsert', match: 'external_id', data: { external_id: a.external_id, first_name: 'Patched', metadata: { k: 1 } } },
          { op: 'update', id: b.id, data: { last_name: 'B' }, if_match: '"1"' },
          { op: 'update', id: c.id, data: { last_name: 'C' }, if_match: '"7"' },
          { op: 'delete', id: c.id },
          { op: 'delete', id: 'usr_01aaaaaaaaaaaaaaaaaaaaaaaa' },
          { op: 'update', id: d.id, data: { first_name: 'Same' } },
          { op: 'create', data: { email: 'not-an-address' } },
        ],
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.object, 'batch');
      assert.equal(body.dry_run, false);
      assert.deepEqual(body.results.map((r: { index: number }) => r.index), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(body.results.map((r: { status: number }) => r.status), [201, 201, 200, 200, 412, 200, 404, 200, 400]);
      assert.equal(body.results[1].user.external_id, newExt);
      assert.equal(body.results[2].user.first_name, 'Patched');
      assert.equal(body.results[2].user.id, a.id);
      assert.deepEqual(body.results[2].user.metadata, { k: 1 });
      assert.equal(body.results[3].user.version, 2);
      assert.equal(body.results[4].error.error, 'precondition_failed');
      assert.equal(body.results[5].user.id, c.id);
      assert.equal(body.results[6].error.error, 'not_found');
      assert.equal(body.results[8].error.error, 'validation_error');
      assert.ok(body.results[8].error.details.email);
      assert.equal(body.results[8].error.request_id, undefined);
      assert.deepEqual(body.summary, { created: 2, updated: 2, unchanged: 1, deleted: 1, failed: 3 });
      // Failures undid nothing: the others are written, each with its event.
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${c.id}` })).statusCode, 404);
      assert.deepEqual((await events(b.id)).data.map((e: { type: string }) => e.type), ['user.updated', 'user.created']);
      assert.deepEqual((await events(c.id)).data.map((e: { type: string }) => e.type), ['user.deleted', 'user.created']);
      assert.deepEqual((await events(body.results[0].user.id)).data.map((e: { type: string }) => e.type), ['user.created']);
      assert.equal((await events(d.id)).data.length, 1, 'an unchanged user gets no event');
    });

    test('dry_run reports the same statuses and writes nothing', async () => {
      const u = await createUser(t, { first_name: 'Before' });
      const email = `${unique('dry')}@example.com`;
      const ext = unique('dryext');
      const operations = [
        { op: 'create', data: { email } },
        { op: 'upsert', match: 'external_id', data: { external_id: ext } },
        { op: 'update', id: u.id, data: { first_name: 'After' } },
        { op: 'create', data: { email: u.email } },
        { op: 'create', data: { email: email.toUpperCase() } },
        { op: 'delete', id: u.id },
      ];
      const res = await batch({ operations, dry_run: true });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.dry_run, true);
      assert.deepEqual(body.results.map((r: { status: number }) => r.status), [201, 201, 200, 409, 409, 409]);
      assert.equal(body.results[2].user.first_name, 'After');
      assert.deepEqual(body.summary, { created: 2, updated: 1, unchanged: 0, deleted: 0, failed: 3 });
      assert.equal(await count(`email=${encodeURIComponent(email)}`), 0);
      assert.equal(await count(`external_id=${ext}`), 0);
      const now = (await t.request({ method: 'GET', url: `/v1/users/${u.id}` })).json();
      assert.equal(now.first_name, 'Before');
      assert.equal(now.version, 1);
      assert.equal((await events(u.id)).data.length, 1);
    });

    test('two operations on the same unique value or user: the first wins, the later is a 409, never a duplicate', async () => {
      const email = `${unique('dup')}@example.com`;
      const ext = unique('dupext');
      const u = await createUser(t);
      const res = await batch({
        operations: [
          { op: 'create', data: { email } },
          { op: 'create', data: { email: email.toUpperCase() } },
          { op: 'upsert', match: 'external_id', data: { external_id: ext, first_name: 'One' } },
          { op: 'upsert', match: 'external_id', data: { external_id: ext, first_name: 'Two' } },
          { op: 'update', id: u.id, data: { first_name: 'X' } },
          { op: 'delete', id: u.id },
        ],
      });
      const body = res.json();
      assert.deepEqual(body.results.map((r: { status: number }) => r.status), [201, 409, 201, 409, 200, 409]);
      assert.equal(body.results[1].error.error, 'conflict');
      assert.ok(body.results[1].error.details.email);
      assert.equal(await count(`email=${encodeURIComponent(email)}`), 1);
      assert.equal(await count(`external_id=${ext}`), 1);
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${u.id}` })).statusCode, 200);
    });

    test('a value freed by an earlier operation is not reused in the same batch, dry or not; upsert matches by email too', async () => {
      for (const dry_run of [true, false]) {
        const gone = await createUser(t, { email: `${unique('gone')}@example.com` });
        const moved = await createUser(t, { email: `${unique('moved')}@example.com` });
        const res = await batch({
          dry_run,
          operations: [
            { op: 'delete', id: gone.id },
            { op: 'create', data: { email: gone.email } },
            { op: 'update', id: moved.id, data: { email: `${unique('moved-to')}@example.com` } },
            { op: 'create', data: { email: moved.email } },
          ],
        });
        assert.deepEqual(res.json().results.map((r: { status: number }) => r.status), [200, 409, 200, 409], `dry_run ${dry_run}`);
      }
      const byEmail = await createUser(t, { email: `${unique('match')}@example.com` });
      const res = await batch({ operations: [{ op: 'upsert', match: 'email', data: { email: byEmail.email.toUpperCase(), first_name: 'Matched' } }] });
      assert.equal(res.json().results[0].status, 200);
      assert.equal(res.json().results[0].user.id, byEmail.id);
      assert.equal(res.json().results[0].user.first_name, 'Matched');
      const missing = await batch({ operations: [{ op: 'upsert', match: 'external_id', data: { first_name: 'Nobody' } }] });
      assert.equal(missing.json().results[0].status, 400);
      assert.ok(missing.json().results[0].error.details.external_id);
    });

    test('more than 1,000 operations is a 400 naming the limit; the frame of the body is checked', async () => {
      const operations = Array.from({ length: 1001 }, (_, i) => ({ op: 'create', data: { email: `too-many-${i}@example.com` } }));
      const res = await batch({ operations });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().message, /At most 1000 operations per batch, got 1001/);
      assert.equal(await count('email=too-many-0@example.com'), 0);
      assert.equal((await batch({ nope: [] })).statusCode, 400);
      const bad = (await batch({ operations: [{ op: 'explode' }, { op: 'update', data: {} }, 'x'] })).json();
      assert.deepEqual(bad.results.map((r: { status: number }) => r.status), [400, 400, 400]);
    });

    test('a body beyond the ordinary 64 KiB limit is accepted on this route', async () => {
      const prefix = unique('big');
      const operations = Array.from({ length: 400 }, (_, i) => ({ op: 'create', data: { email: `${prefix}-${i}@example.com`, bio: 'b'.repeat(200) } }));
      const payload = JSON.stringify({ operations });
      assert.ok(payload.length > 64 * 1024);
      assert.equal((await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'x@example.com', bio: 'b'.repeat(70 * 1024) } })).statusCode, 413);
      const res = await t.request({ method: 'POST', url: '/v1/users/batch', payload, headers: { 'content-type': 'application/json' } });
      assert.equal(res.statusCode, 200, res.body.slice(0, 200));
      assert.equal(res.json().summary.created, 400);
    });

    test('1,000 users with password hashes fit in one batch (beyond the ordinary body limit); a read key may not batch', async () => {
      const hash = hashSync('imported password', 4);
      const prefix = unique('thousand');
      const operations = Array.from({ length: 1000 }, (_, i) => ({
        op: 'create',
        data: { email: `${prefix}-${i}@example.com`, first_name: `User ${i}`, external_id: `${prefix}-${i}`, password_hash: hash, password_hash_type: 'bcrypt' },
      }));
      assert.ok(JSON.stringify({ operations }).length > 64 * 1024);
      const res = await batch({ operations });
      assert.equal(res.statusCode, 200, res.body.slice(0, 200));
      assert.deepEqual(res.json().summary, { created: 1000, updated: 0, unchanged: 0, deleted: 0, failed: 0 });
      assert.ok(res.json().results.every((r: { index: number; status: number; user: { password_set: boolean } }, i: number) => r.status === 201 && r.user.password_set && r.index === i));
      const read = await t.key(['read']);
      const refused = await t.request({ method: 'POST', url: '/v1/users/batch', payload: { operations: [] }, key: read });
      assert.equal(refused.statusCode, 403);
    });

    test('an Idempotency-Key replays the whole answer and writes nothing more', async () => {
      const email = `${unique('idem')}@example.com`;
      const key = unique('key');
      const payload = { operations: [{ op: 'create', data: { email } }, { op: 'create', data: { email } }] };
      const first = await batch(payload, { 'idempotency-key': key });
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(first.json().results.map((r: { status: number }) => r.status), [201, 409]);
      const again = await batch(payload, { 'idempotency-key': key });
      assert.equal(again.statusCode, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body, first.body);
      assert.equal(await count(`email=${encodeURIComponent(email)}`), 1);
      const other = await batch({ operations: [{ op: 'create', data: { email: `${unique('idem2')}@example.com` } }] }, { 'idempotency-key': key });
      assert.equal(other.statusCode, 422, 'the same key with another body');
    });

    test('password_hash imports with the user; a hash above the ceiling is a per-item 400', async () => {
      const hash = hashSync('correct horse battery', 4);
      const email = `${unique('hash')}@example.com`;
      const res = await batch({
        operations: [
          { op: 'create', data: { email, password_hash: hash, password_hash_type: 'bcrypt' } },
          { op: 'create', data: { email: `${unique('costly')}@example.com`, password_hash: `$2b$14$${'a'.repeat(53)}`, password_hash_type: 'bcrypt' } },
        ],
      });
      const body = res.json();
      assert.deepEqual(body.results.map((r: { status: number }) => r.status), [201, 400]);
      assert.equal(body.results[0].user.password_set, true);
      assert.match(body.results[1].error.message, /USERPLANE_HASH_MAX_BCRYPT_COST/);
      const verify = await t.request({ method: 'POST', url: `/v1/users/${body.results[0].user.id}/password/verify`, payload: { password: 'correct horse battery' } });
      assert.equal(verify.statusCode, 200, verify.body);
      assert.equal(verify.json().verified, true);
    });
  });

  describe(`a configured batch body limit on ${kind.name}`, () => {
    const t: TestApp = useTestApp(kind, { batchBodyLimit: 4096 });
    test('a batch over USERPLANE_BATCH_BODY_LIMIT is a 413 and writes nothing', async () => {
      const email = `${unique('limit')}@example.com`;
      const operations = [{ op: 'create', data: { email, bio: 'b'.repeat(3000) } }, { op: 'create', data: { email: `x${email}`, bio: 'b'.repeat(3000) } }];
      const res = await t.request({ method: 'POST', url: '/v1/users/batch', payload: { operations } });
      assert.equal(res.statusCode, 413, res.body.slice(0, 200));
      assert.equal(res.json().error, 'payload_too_large');
      assert.equal((await t.request({ method: 'GET', url: `/v1/users?email=${encodeURIComponent(email)}` })).json().data.length, 0);
    });
  });

  describe(`batches racing single PATCHes on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    const call = (method: string, path: string, body: unknown) =>
      fetch(`${t.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    test('10 batches and 10 PATCHes adding distinct metadata keys to one user keep all 20', async () => {
      const ext = unique('race');
      const user = await (await call('POST', '/v1/users', { external_id: ext })).json();
      const requests = Array.from({ length: 20 }, (_, i) => {
        if (i >= 10) return call('PATCH', `/v1/users/${user.id}`, { metadata: { [`patch${i}`]: i } });
        const op = i % 2 === 0 ? { op: 'upsert', match: 'external_id', data: { external_id: ext, metadata: { [`batch${i}`]: i } } } : { op: 'update', id: user.id, data: { metadata: { [`batch${i}`]: i } } };
        return call('POST', '/v1/users/batch', { operations: [op] });
      });
      const responses = await Promise.all(requests);
      assert.deepEqual(responses.map((r) => r.status), Array(20).fill(200));
      for (const response of responses.slice(0, 10)) assert.equal((await response.json()).results[0].status, 200);
      const final = await (await fetch(`${t.base}/v1/users/${user.id}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json();
      assert.equal(Object.keys(final.metadata).length, 20);
      assert.equal(final.version, 21);
    });
  });
}
