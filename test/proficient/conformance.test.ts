/**
 * Issue 4, the Proficient door: every /proficient response body is checked against the schemas of
 * the seed's OpenAPI description, kept as our own JSON Schema in fixtures/contract.json, on each database.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import type { LightMyRequestResponse } from 'fastify';
import {
  ConflictError,
  PreconditionFailedError,
  RateLimitedError,
  UnavailableError,
} from '../../src/domain/errors.ts';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../../src/http/transport-errors.ts';
import { proficientError } from '../../src/http/proficient/error-codec.ts';
import { DATABASES } from '../helpers/databases.ts';
import { LIVE_ADMIN_KEY, useTestApp } from '../helpers/app.ts';
import { userMaker } from '../helpers/users.ts';

// ---- The seed's contract ---------------------------------------------------------------------

/** Facts from the seed's OpenAPI description, as JSON Schema, kept in this repository (fixtures/README.md). */
interface Contract {
  responses: Record<string, string>;
  schemas: Record<string, { properties?: Record<string, unknown> }>;
}

const contract = JSON.parse(readFileSync(new URL('./fixtures/contract.json', import.meta.url), 'utf8')) as Contract;
const SEED_ID = 'https://userplane.test/seeds/proficient';
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({ $id: SEED_ID, schemas: contract.schemas });
const schemaOf = (name: string): ValidateFunction => {
  const validate = ajv.getSchema(`${SEED_ID}#/schemas/${name}`);
  assert.ok(validate, `the contract defines ${name}`);
  return validate;
};
const validateUser = schemaOf('User');
const validateApiError = schemaOf('ApiError');
const validateUpdateParams = schemaOf('UserUpdateParams');
const USER_FIELDS = Object.keys(contract.schemas.User?.properties ?? {}).sort();

function assertValid(validate: ValidateFunction, body: unknown, what: string): void {
  assert.ok(validate(body), `${what} does not match the seed: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}

/** The status each of the seed's codes comes with (unknown: any status the seed has no code for). */
const STATUS_OF_CODE: Record<string, number[]> = {
  invalid_request: [400, 413, 415],
  invalid_credentials: [401],
  forbidden: [403],
  resource_not_found: [404],
  conflict: [409],
  unavailable: [503],
  unknown: [412, 429, 500],
};

/** Checks a /proficient response against the seed and returns its parsed body. */
function conforms(res: LightMyRequestResponse, status: number, code?: string) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  if (status === 200) {
    assertValid(validateUser, body, 'a 200 body');
    assert.deepEqual(Object.keys(body).sort(), USER_FIELDS, 'a user carries exactly the seed User fields');
    return body;
  }
  // A status the seed documents uses the seed's schema for it; any other one is an ApiError too.
  const name = contract.responses[String(status)] ?? 'ApiError';
  assertValid(schemaOf(name), body, `a ${status} body`);
  assert.ok(STATUS_OF_CODE[body.error.code]?.includes(status), `code ${body.error.code} comes with ${status}`);
  assert.ok(body.error.message.length > 0);
  if (code) assert.equal(body.error.code, code);
  return body;
}

describe('the seed schemas as read', () => {
  test('are strict enough to catch a wrong body', () => {
    const user = { id: 'usr_x', object: 'user', created_at: 1, external_id: 'e', first_name: 'a', last_name: 'b', live_mode: false, updated_at: 1 };
    assert.equal(validateUser(user), true);
    assert.equal(validateUser({ ...user, first_name: null }), false);
    assert.equal(validateUser({ ...user, created_at: '2024-01-01T00:00:00Z' }), false);
    assert.equal(validateUser({ ...user, object: 'account' }), false);
    assert.equal(validateApiError({ error: { code: 'not_found', message: 'x' } }), false);
    assert.equal(validateApiError({ error: 'forbidden', message: 'x' }), false);
    assert.equal(validateUpdateParams({ first_name: null, last_name: 'x' }), true, 'nullable became a null type');
    assert.equal(validateUpdateParams({ first_name: 5 }), false);
  });
});

// ---- Unit: the codec's statuses the HTTP tests cannot easily provoke ----------------------------

describe('Proficient error codec', () => {
  const cases: Array<[string, ReturnType<typeof proficientError>, number, string]> = [
    ['conflict', proficientError(new ConflictError('external_id')), 409, 'conflict'],
    ['412', proficientError(new PreconditionFailedError(3)), 412, 'unknown'],
    ['429', proficientError(new RateLimitedError(7)), 429, 'unknown'],
    ['503', proficientError(new UnavailableError()), 503, 'unavailable'],
    ['500', proficientError(null), 500, 'unknown'],
    ['415', proficientError(new UnsupportedMediaTypeError()), 415, 'invalid_request'],
    ['413', proficientError(new PayloadTooLargeError()), 413, 'invalid_request'],
  ];
  for (const [name, rendered, status, code] of cases) {
    test(`${name} → ${status} ${code}, a valid ApiError`, () => {
      assert.equal(rendered.status, status);
      assert.equal(rendered.body.error.code, code);
      assertValid(validateApiError, rendered.body, name);
    });
  }
  test('429 and 503 carry Retry-After', () => {
    assert.equal(proficientError(new RateLimitedError(7)).retryAfter, 7);
    assert.equal(proficientError(new UnavailableError('down', 2)).retryAfter, 2);
  });
});

// ---- HTTP, on each database -----------------------------------------------------------------

for (const kind of DATABASES) {
  describe(`Proficient door on ${kind.name}`, () => {
    const t = useTestApp(kind);

    const createUser = userMaker<{ id: string; external_id: string | null; version: number }>(() => t, (n) => ({ external_id: `ext_${n}` }));
    const canonical = async (id: string) => (await t.request({ method: 'GET', url: `/v1/users/${id}` })).json();
    const get = (id: string, options: { key?: string | null; headers?: Record<string, string> } = {}) =>
      t.request({ method: 'GET', url: `/proficient/users/${id}`, ...options });
    const update = (id: string, payload: unknown, options: { key?: string | null; headers?: Record<string, string> } = {}) =>
      t.request({ method: 'POST', url: `/proficient/users/${id}`, payload: payload as object, ...options });
    async function publishableKey(): Promise<string> {
      const res = await t.request({ method: 'POST', url: '/v1/api_keys', payload: { name: 'web app', type: 'publishable' } });
      assert.equal(res.statusCode, 201, res.body);
      const { secret } = res.json();
      assert.match(secret, /^pk_test_/);
      return secret;
    }

    test('GET returns the seed User: object "user", live_mode, ms-epoch timestamps, external_id', async () => {
      const created = await createUser({ first_name: 'Ada', last_name: 'Lovelace' });
      const body = conforms(await get(created.id), 200);
      const stored = await canonical(created.id);
      assert.equal(body.id, created.id);
      assert.equal(body.object, 'user');
      assert.equal(body.live_mode, false);
      assert.equal(body.external_id, created.external_id);
      assert.equal(body.first_name, 'Ada');
      assert.equal(body.last_name, 'Lovelace');
      assert.equal(body.created_at, Date.parse(stored.created_at));
      assert.equal(body.updated_at, Date.parse(stored.updated_at));
    });

    test('live_mode is true for users of the live environment', async () => {
      const created = await createUser({}, LIVE_ADMIN_KEY);
      assert.equal(conforms(await get(created.id, { key: LIVE_ADMIN_KEY }), 200).live_mode, true);
      // The test environment does not see it.
      conforms(await get(created.id), 404, 'resource_not_found');
    });

    test('missing values are "" on the wire (the seed requires them as strings)', async () => {
      const created = await createUser({ external_id: null, email: 'noext@example.com' });
      const body = conforms(await get(created.id), 200);
      assert.equal(body.external_id, '');
      assert.equal(body.first_name, '');
      assert.equal(body.last_name, '');
    });

    test('POST updates first and last name; omitted stays; null clears', async () => {
      const created = await createUser({ first_name: 'Jane', last_name: 'Doe' });
      const first = { first_name: 'Janet' };
      assertValid(validateUpdateParams, first, 'the request');
      const body = conforms(await update(created.id, first), 200);
      assert.equal(body.first_name, 'Janet');
      assert.equal(body.last_name, 'Doe');
      assert.ok(body.updated_at >= body.created_at);

      const clear = { last_name: null };
      assertValid(validateUpdateParams, clear, 'the request');
      const cleared = conforms(await update(created.id, clear), 200);
      assert.equal(cleared.first_name, 'Janet');
      assert.equal(cleared.last_name, '');
      const stored = await canonical(created.id);
      assert.equal(stored.last_name, null);
      assert.equal(stored.version, 3);

      const both = conforms(await update(created.id, { first_name: 'J', last_name: 'D' }), 200);
      assert.deepEqual([both.first_name, both.last_name], ['J', 'D']);
    });

    test('a no-op update returns the user as it was: same version, same updated_at, no event', async () => {
      const created = await createUser({ first_name: 'Same' });
      const before = conforms(await get(created.id), 200);
      const body = conforms(await update(created.id, { first_name: 'Same' }), 200);
      assert.equal(body.updated_at, before.updated_at);
      conforms(await update(created.id, {}), 200);
      assert.equal((await canonical(created.id)).version, 1);
      const events = (await t.request({ method: 'GET', url: `/v1/users/${created.id}/events` })).json();
      assert.deepEqual(events.data.map((e: { type: string }) => e.type), ['user.created']);
    });

    test('the event of a Proficient update says door "proficient"', async () => {
      const created = await createUser({ first_name: 'Old' });
      conforms(await update(created.id, { first_name: 'New' }), 200);
      const events = (await t.request({ method: 'GET', url: `/v1/users/${created.id}/events` })).json();
      const latest = events.data[0];
      assert.equal(latest.type, 'user.updated');
      assert.equal(latest.door, 'proficient');
      assert.deepEqual(latest.changes, { first_name: { previous: 'Old', current: 'New' } });
    });

    test('unknown and read-only fields are a 400 invalid_request naming each; nothing is written', async () => {
      const created = await createUser({ first_name: 'Keep' });
      const body = conforms(await update(created.id, { first_name: 'Changed', nickname: 'x', email: 'a@example.com', id: 'usr_x' }), 400, 'invalid_request');
      assert.match(body.error.message, /nickname: Unknown field/);
      assert.match(body.error.message, /email: Unknown field/);
      assert.match(body.error.message, /id: Field is read-only/);
      assert.equal((await canonical(created.id)).first_name, 'Keep');
    });

    test('bad values are a 400 naming the field', async () => {
      const created = await createUser();
      assert.match(conforms(await update(created.id, { first_name: 42 }), 400, 'invalid_request').error.message, /first_name: Must be a string/);
      assert.match(conforms(await update(created.id, { last_name: '' }), 400, 'invalid_request').error.message, /last_name: Must not be empty/);
      assert.match(conforms(await update(created.id, { last_name: 'x'.repeat(257) }), 400, 'invalid_request').error.message, /last_name: Must be at most 256/);
      assert.match(conforms(await update(created.id, { first_name: 'a\u202Eb' }), 400, 'invalid_request').error.message, /first_name: .*control/);
      conforms(await update(created.id, [1, 2]), 400, 'invalid_request');
    });

    test('malformed JSON (400), another content type (415) and an oversized body (413) are invalid_request', async () => {
      const created = await createUser();
      const url = `/proficient/users/${created.id}`;
      const malformed = await t.request({ method: 'POST', url, payload: '{"first_name":', headers: { 'content-type': 'application/json' } });
      assert.match(conforms(malformed, 400, 'invalid_request').error.message, /Malformed JSON/);
      const text = await t.request({ method: 'POST', url, payload: 'first_name=x', headers: { 'content-type': 'text/plain' } });
      assert.match(conforms(text, 415, 'invalid_request').error.message, /application\/json/);
      const big = await t.request({ method: 'POST', url, payload: { first_name: 'x'.repeat(70 * 1024) } });
      assert.match(conforms(big, 413, 'invalid_request').error.message, /too large/);
    });

    test('an unknown user is 404 resource_not_found on GET and POST; an unknown route too', async () => {
      assert.match(conforms(await get('usr_00000000000000000000000000'), 404, 'resource_not_found').error.message, /usr_0{26}/);
      conforms(await update('usr_00000000000000000000000000', { first_name: 'X' }), 404, 'resource_not_found');
      conforms(await t.request({ method: 'GET', url: '/proficient/nothing/here' }), 404, 'resource_not_found');
    });

    test('401 invalid_credentials without a key or with a bad one; 403 forbidden without the write scope', async () => {
      const created = await createUser();
      conforms(await get(created.id, { key: null }), 401, 'invalid_credentials');
      conforms(await update(created.id, { first_name: 'X' }, { key: null }), 401, 'invalid_credentials');
      conforms(await get(created.id, { key: 'sk_test_not_a_real_key_000000000' }), 401, 'invalid_credentials');
      const reader = await t.key(['read']);
      conforms(await get(created.id, { key: reader }), 200);
      assert.match(conforms(await update(created.id, { first_name: 'X' }, { key: reader }), 403, 'forbidden').error.message, /write/);
    });

    describe('publishable key + X-User-External-Id (the seed SDK pattern)', () => {
      let pk: string;
      let me: { id: string; external_id: string | null };
      let other: { id: string; external_id: string | null };
      const as = (externalId: string | null): { key: string; headers: Record<string, string> } => ({
        key: pk,
        headers: externalId === null ? {} : { 'x-user-external-id': externalId },
      });
      before(async () => {
        pk = await publishableKey();
        me = await createUser({ first_name: 'Me', last_name: 'Myself' });
        other = await createUser({ first_name: 'Someone', last_name: 'Else' });
      });

      test('reads and updates its own user', async () => {
        const read = conforms(await get(me.id, as(me.external_id)), 200);
        assert.equal(read.first_name, 'Me');
        const body = conforms(await update(me.id, { first_name: 'I', last_name: null }, as(me.external_id)), 200);
        assert.deepEqual([body.first_name, body.last_name], ['I', '']);
        const events = (await t.request({ method: 'GET', url: `/v1/users/${me.id}/events` })).json();
        assert.equal(events.data[0].door, 'proficient');
        assert.match(events.data[0].actor, /^key_/);
      });

      // Issue 12, item 6: not yours answers as not found (was 403), so a publishable key is no existence oracle.
      test("another user's id is 404 resource_not_found, as a missing one, and nothing is written", async () => {
        conforms(await get(other.id, as(me.external_id)), 404, 'resource_not_found');
        conforms(await update(other.id, { first_name: 'Hacked' }, as(me.external_id)), 404, 'resource_not_found');
        assert.equal((await canonical(other.id)).first_name, 'Someone');
      });

      test('a missing or empty X-User-External-Id is 403 forbidden', async () => {
        assert.match(conforms(await get(me.id, as(null)), 403, 'forbidden').error.message, /X-User-External-Id/);
        conforms(await update(me.id, { first_name: 'X' }, as(null)), 403, 'forbidden');
        conforms(await update(me.id, { first_name: 'X' }, as('')), 403, 'forbidden');
        conforms(await get(me.id, as('ext_nobody')), 404, 'resource_not_found');
      });

      test('a field other than the names is refused with 403, and nothing is written', async () => {
        const before = await canonical(me.id);
        const body = conforms(await update(me.id, { first_name: 'Sneaky', email: 'me@example.com', external_id: 'ext_other' }, as(me.external_id)), 403, 'forbidden');
        assert.match(body.error.message, /email/);
        assert.match(body.error.message, /external_id/);
        const after = await canonical(me.id);
        assert.equal(after.version, before.version);
        assert.equal(after.first_name, before.first_name);
      });

      test('bad name values are still a 400', async () => {
        conforms(await update(me.id, { first_name: 7 }, as(me.external_id)), 400, 'invalid_request');
      });

      test('a user without an external id cannot be reached with a publishable key', async () => {
        const noExt = await createUser({ external_id: null, email: 'pk@example.com' });
        conforms(await get(noExt.id, as('')), 403, 'forbidden');
        conforms(await update(noExt.id, { first_name: 'X' }, as('ext_1')), 404, 'resource_not_found');
      });

      test('a publishable key on a /v1 route is 403', async () => {
        const res = await t.request({ method: 'GET', url: `/v1/users/${me.id}`, ...as(me.external_id) });
        assert.equal(res.statusCode, 403);
        assert.equal(res.json().error, 'forbidden');
        const patch = await t.request({ method: 'PATCH', url: `/v1/users/${me.id}`, payload: { first_name: 'X' }, ...as(me.external_id) });
        assert.equal(patch.statusCode, 403);
      });
    });
  });
}
