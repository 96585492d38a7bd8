/**
 * Issue 14, item 1: a door is a field map, a codec and routes. A made-up door built from a spec
 * alone gets the shared glue: one body-to-patch step (schema, domain and door errors together, in
 * its names) and the shared half of every error reply (500 and its log line, Retry-After, ETag).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { PreconditionFailedError, RateLimitedError, ValidationError, type FieldErrors } from '../../src/domain/errors.ts';
import { validatePatch } from '../../src/domain/update-planner.ts';
import { validatorCompiler } from '../../src/http/ajv.ts';
import { defineDoor } from '../../src/http/door-spec.ts';

const door = defineDoor({
  fields: { nick: 'username', mail: 'email' },
  readOnly: ['uid'],
  codec: {
    internalError: () => ({ oops: true }),
    render: (error) => ({ status: error.status, body: { err: error.code, fields: error instanceof ValidationError ? error.details : null } }),
  },
});

function fieldErrors(patch: Record<string, unknown>): FieldErrors {
  try {
    validatePatch(patch, { now: () => new Date() });
    return {};
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
}

describe('a door made of a spec', () => {
  let app: FastifyInstance;
  const logged: string[] = [];
  let lastPatch: Record<string, unknown> | null = null;

  before(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    });
    app = Fastify({ logger: { level: 'error', stream } });
    app.setValidatorCompiler(validatorCompiler);
    door.install(app);
    const body = {
      type: 'object',
      properties: { nick: { type: ['string', 'null'] }, mail: { type: ['string', 'null'] } },
      additionalProperties: false,
    };
    app.post('/things', { attachValidation: true, schema: { body } }, async (request) => {
      lastPatch = door.bodyToPatch(request, fieldErrors);
      return { ok: true };
    });
    app.get('/canonical-error', async () => {
      throw new ValidationError({ email: ['Invalid email format'], username: ['Must be 3 to 64 characters'] });
    });
    app.get('/stale', async () => {
      throw new PreconditionFailedError(3);
    });
    app.get('/limited', async () => {
      throw new RateLimitedError(7);
    });
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    await app.ready();
  });
  after(() => app.close());

  test('a good body becomes the canonical patch', async () => {
    const response = await app.inject({ method: 'POST', url: '/things', payload: { nick: 'neo_1', mail: 'neo@example.com' } });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(lastPatch, { username: 'neo_1', email: 'neo@example.com' });
  });

  test('schema, domain and read-only errors come in one reply, in the door names', async () => {
    const response = await app.inject({ method: 'POST', url: '/things', payload: { nick: 'x', mail: 5, uid: 'u1', other: 1 } });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), {
      err: 'validation_error',
      fields: { nick: ['Must be 3 to 64 characters'], uid: ['Field is read-only'], mail: ['Must be a string'], other: ['Unknown field'] },
    });
  });

  test('field errors a service throws in canonical names are renamed through the map', async () => {
    const response = await app.inject({ method: 'GET', url: '/canonical-error' });
    assert.deepEqual(response.json().fields, { mail: ['Invalid email format'], nick: ['Must be 3 to 64 characters'] });
  });

  test('the shared half of error replies: ETag on 412, Retry-After on 429, a logged 500 in the door body', async () => {
    const stale = await app.inject({ method: 'GET', url: '/stale' });
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.headers.etag, '"3"');
    const limited = await app.inject({ method: 'GET', url: '/limited' });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '7');
    const boom = await app.inject({ method: 'GET', url: '/boom' });
    assert.equal(boom.statusCode, 500);
    assert.deepEqual(boom.json(), { oops: true });
    assert.ok(logged.some((line) => line.includes('unhandled error') && line.includes('boom')));
    const missing = await app.inject({ method: 'GET', url: '/nowhere' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().err, 'not_found');
  });
});
