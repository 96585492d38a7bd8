/**
 * Issue 14, item 3: the user's fields in one table (src/domain/user-fields.ts). What is derived from
 * it stays what it was, and the /v1 user schema names exactly the table's fields (the same check as
 * src/http/v1/user-schema-check.ts at compile time, here so that `npm test` fails too).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIELD_RULES, NON_NULLABLE_FIELDS, USER_FIELDS, WRITABLE_FIELDS, blankProfile } from '../../src/domain/user-fields.ts';
import { UserPatchSchema, UserSchema } from '../../src/http/v1/schemas.ts';

test('the writable fields, in their order, and the three that cannot be null', () => {
  assert.deepEqual(WRITABLE_FIELDS, [
    'email', 'email_verified', 'username', 'first_name', 'last_name', 'name', 'role', 'external_id', 'locale', 'phone',
    'avatar_url', 'bio', 'birthday', 'country', 'location', 'organization', 'title', 'twitter', 'regions', 'active',
    'last_seen_at', 'last_typed_at', 'metadata', 'password_migration_pending',
  ]);
  assert.deepEqual([...NON_NULLABLE_FIELDS], ['email_verified', 'active', 'password_migration_pending']);
  assert.deepEqual(Object.keys(FIELD_RULES), WRITABLE_FIELDS);
  assert.ok(Object.values(FIELD_RULES).every((rule) => typeof rule === 'function'));
});

test('the blank profile: every identifier and profile field null, active, no metadata; a fresh copy each time', () => {
  const blank = blankProfile();
  const nulls = Object.fromEntries(
    ['email', 'pending_email', 'username', 'first_name', 'last_name', 'name', 'role', 'external_id', 'locale', 'phone', 'avatar_url', 'bio',
      'birthday', 'country', 'location', 'organization', 'title', 'twitter', 'regions', 'last_seen_at', 'last_typed_at'].map((k) => [k, null]),
  );
  assert.deepEqual(blank, { ...nulls, email_verified: false, active: true, metadata: {}, extensions: {}, password_migration_pending: false });
  blank.metadata.mine = 1;
  assert.deepEqual(blankProfile().metadata, {}, 'no user shares its metadata with the next');
});

test('the /v1 user schema has exactly the table\'s fields, less extensions, plus object', () => {
  const table = Object.keys(USER_FIELDS).filter((k) => k !== 'extensions').concat('object').sort();
  assert.deepEqual(Object.keys(UserSchema.properties).sort(), table);
});

test('the /v1 patch schema has exactly the writable fields', () => {
  assert.deepEqual(Object.keys(UserPatchSchema.properties).sort(), [...WRITABLE_FIELDS].sort());
});
