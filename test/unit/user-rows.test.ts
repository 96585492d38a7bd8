/**
 * The users row two ways (issue 15, item 3): a batch's multi-row insert reads each column straight
 * from the user (pushUserRowValues); it must bind exactly what toUserRow then userRowValues give.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blankProfile } from '../../src/domain/user-fields.ts';
import type { StoredUser } from '../../src/store/contract.ts';
import { pushUserRowValues, toUserRow, USER_COLUMNS, userRowValues } from '../../src/store/user-rows.ts';

test('pushUserRowValues binds what toUserRow and userRowValues bind, column for column', () => {
  // Every column a distinct value, so that two columns swapped would show.
  const profile = blankProfile() as Record<string, unknown>;
  const user = Object.fromEntries(Object.keys(profile).map((field) => [field, `v-${field}`])) as unknown as StoredUser;
  Object.assign(user, {
    id: 'usr_1', environment: 'test', email: 'Ａ@Example.com', username: 'ＵserName', email_verified: true, active: false, password_migration_pending: true,
    metadata: { a: 1 }, extensions: { klaim: { b: 2 } }, password_set: true, password_hash: 'h', password_hash_type: 't', source: 'v1', version: 3,
    created_at: 'c', updated_at: 'u',
  });
  const values: unknown[] = [];
  pushUserRowValues(user, values);
  assert.equal(values.length, USER_COLUMNS.length);
  assert.deepEqual(values, userRowValues(toUserRow(user)));
  // Nulls stay nulls.
  const blank = { ...user, email: null, username: null, last_name: null } as StoredUser;
  const again: unknown[] = [];
  pushUserRowValues(blank, again);
  assert.deepEqual(again, userRowValues(toUserRow(blank)));
});
