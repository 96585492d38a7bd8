/**
 * @userplane/client has an error class for every code the canonical API sends (issue 18, item 2):
 * no /v1 error reaches a caller as the bare UserplaneError. The codes are the server's own
 * (src/domain/errors.ts, src/http/transport-errors.ts, src/http/idempotency.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VERIFICATION_FAILURES } from '../../src/domain/errors.ts';
import { errorFromResponse } from '../../packages/client/src/errors.ts';
import { EmailVerificationError, PreconditionFailedError, UserplaneError } from '@userplane/client';

const CANONICAL: Array<[number, string]> = [
  [400, 'validation_error'],
  [401, 'unauthorized'],
  [403, 'forbidden'],
  [404, 'not_found'],
  [409, 'conflict'],
  [412, 'precondition_failed'],
  [413, 'payload_too_large'],
  [415, 'unsupported_media_type'],
  [422, 'idempotency_key_reused'],
  [409, 'idempotency_key_in_progress'],
  [429, 'rate_limited'],
  [500, 'internal_error'],
  [503, 'unavailable'],
  ...VERIFICATION_FAILURES.map((code): [number, string] => [400, code]),
];

test('every canonical error code has its own class, carrying code, status, details and the request id', () => {
  const bare: string[] = [];
  for (const [status, code] of CANONICAL) {
    const response = new Response(null, { status, headers: { 'x-request-id': 'req_header' } });
    const error = errorFromResponse(response, { error: code, message: 'm', details: { email: ['taken'] }, request_id: 'req_body' });
    assert.ok(error instanceof UserplaneError);
    if (error.constructor === UserplaneError) bare.push(code);
    assert.equal(error.code, code);
    assert.equal(error.status, status);
    assert.deepEqual(error.details, { email: ['taken'] });
    assert.equal(error.requestId, 'req_body');
  }
  assert.deepEqual(bare, [], 'give these codes a class in packages/client/src/errors.ts');
});

test('the verification codes are EmailVerificationError; a 412 reads its current version from the ETag', () => {
  for (const code of VERIFICATION_FAILURES) {
    assert.ok(errorFromResponse(new Response(null, { status: 400 }), { error: code, message: 'm' }) instanceof EmailVerificationError, code);
  }
  const stale = errorFromResponse(new Response(null, { status: 412, headers: { etag: 'W/"7"' } }), { error: 'precondition_failed', message: 'm' });
  assert.ok(stale instanceof PreconditionFailedError);
  assert.equal(stale.currentVersion, 7);
  assert.equal(stale.etag, 'W/"7"');
});
