/** The one way tests create users over HTTP: POST /v1/users with the admin key, 201 asserted. */
import assert from 'node:assert/strict';
import type { TestApp } from './app.ts';

let unique = 0;

/**
 * Creates a user with `fields` and returns the /v1 body. Without an email, username or external_id
 * in `fields` the user gets an address no other test uses.
 */
export async function createUser<U = any>(t: TestApp, fields: Record<string, unknown> = {}, key?: string): Promise<U> {
  const identified = ['email', 'username', 'external_id'].some((field) => field in fields);
  const payload = identified ? fields : { email: `user-${process.pid}-${++unique}@example.com`, ...fields };
  const res = await t.request({ method: 'POST', url: '/v1/users', payload, key });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

/**
 * A suite's user factory: its nth user gets `identify(n)` (a suite's own unique identifiers) under
 * the fields of the call. `app` is read at each call, as suites start their server in before().
 */
export function userMaker<U = any>(app: () => TestApp, identify: (n: number) => Record<string, unknown>) {
  let n = 0;
  return (fields: Record<string, unknown> = {}, key?: string): Promise<U> => createUser<U>(app(), { ...identify(++n), ...fields }, key);
}
