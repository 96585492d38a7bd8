/**
 * Issue 14, item 6: the update planner (src/domain/update-planner.ts) on its own — no store, no
 * server. Each table row is one patch of one user and what the plan must say about it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError, type FieldErrors } from '../../src/domain/errors.ts';
import { planCreate, planUpdate, type PlanPolicy, type UpdatePlan } from '../../src/domain/update-planner.ts';
import { blankProfile } from '../../src/domain/user-fields.ts';
import type { User } from '../../src/domain/user.ts';

const NOW = new Date('2030-06-15T12:00:00Z');
const direct: PlanPolicy = { emailChange: 'direct', now: () => NOW };
const verify: PlanPolicy = { emailChange: 'verify', now: () => NOW };

function user(fields: Partial<User> = {}): User {
  return {
    id: 'usr_01jplanner0000000000000000',
    environment: 'test',
    ...blankProfile(),
    email: 'ada@example.com',
    email_verified: true,
    first_name: 'Ada',
    metadata: { plan: 'free', limits: { seats: 3, storage: 10 } },
    password_set: false,
    source: 'v1',
    version: 4,
    created_at: '2030-01-01T00:00:00.000Z',
    updated_at: '2030-01-01T00:00:00.000Z',
    ...fields,
  };
}

/** The field errors a plan throws, or a failure when it does not throw a ValidationError. */
function refused(work: () => unknown): FieldErrors {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    return { ...error.details };
  }
  assert.fail('expected the patch to be refused');
}

/** A plan's visible result: written columns, and the flags. */
const summary = (plan: UpdatePlan) => ({ changes: plan.changes, emailChanged: plan.emailChanged, pendingEmail: plan.pendingEmail });

describe('which fields a patch may name', () => {
  const cases: Array<{ name: string; patch: Record<string, unknown>; errors: FieldErrors }> = [
    { name: 'an unknown field', patch: { nickname: 'x' }, errors: { nickname: ['Unknown field'] } },
    { name: 'a field named like an Object property', patch: { constructor: 'x' }, errors: { constructor: ['Unknown field'] } },
    { name: 'the per-door extensions', patch: { extensions: {} }, errors: { extensions: ['Unknown field'] } },
    ...['id', 'object', 'environment', 'pending_email', 'password_set', 'source', 'version', 'created_at', 'updated_at'].map((field) => ({
      name: `read-only ${field}`,
      patch: { [field]: 'x' },
      errors: { [field]: ['Field is read-only'] },
    })),
    ...['password', 'password_hash', 'password_hash_type'].map((field) => ({
      name: `secret ${field}`,
      patch: { [field]: 'x' },
      errors: { [field]: ['Passwords are set separately, never in a patch'] },
    })),
    { name: 'null for a boolean', patch: { email_verified: null, active: null }, errors: { email_verified: ['Must not be null'], active: ['Must not be null'] } },
    {
      name: 'every bad field at once, the good ones not written',
      patch: { first_name: 'Grace', version: 9, locale: 'not a locale!', phone: 12 },
      errors: { version: ['Field is read-only'], locale: ['Must be a BCP 47 language tag such as "en-US"'], phone: ['Must be a string'] },
    },
  ];
  for (const { name, patch, errors } of cases) {
    test(`refused: ${name}`, () => assert.deepEqual(refused(() => planUpdate(user(), patch, direct)), errors));
  }
});

describe('omitted, undefined, null and values', () => {
  const cases: Array<{ name: string; current?: Partial<User>; patch: Record<string, unknown>; changes: Partial<User> }> = [
    { name: 'an empty patch changes nothing', patch: {}, changes: {} },
    { name: 'undefined is the same as omitted', patch: { first_name: undefined, active: undefined }, changes: {} },
    { name: 'null clears a nullable field', patch: { first_name: null }, changes: { first_name: null } },
    { name: 'null on a field that is already null is no change', patch: { last_name: null }, changes: {} },
    { name: 'a value is written as its rule returns it', patch: { locale: 'en-us', country: 'DE' }, changes: { locale: 'en-US', country: 'DE' } },
    { name: 'timestamps are stored in UTC', patch: { last_seen_at: '2030-05-01T14:00:00+02:00' }, changes: { last_seen_at: '2030-05-01T12:00:00.000Z' } },
    { name: 'the same value again is no change', patch: { first_name: 'Ada', email_verified: true, active: true }, changes: {} },
    { name: 'booleans flip', current: { active: true }, patch: { active: false }, changes: { active: false } },
  ];
  for (const { name, current, patch, changes } of cases) {
    test(name, () => {
      const plan = planUpdate(user(current), patch, direct);
      assert.deepEqual(plan.changes, changes);
      // The event records exactly what is written, with the value before.
      const before = user(current) as unknown as Record<string, unknown>;
      assert.deepEqual(plan.changeSet, Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, { previous: before[k], current: v }])));
    });
  }

  test('an unchanged field is left out of a plan that changes another', () => {
    const plan = planUpdate(user(), { first_name: 'Ada', last_name: 'Lovelace' }, direct);
    assert.deepEqual(plan.changes, { last_name: 'Lovelace' });
    assert.deepEqual(Object.keys(plan.changeSet), ['last_name']);
  });
});

describe('metadata: merge patch, then limits', () => {
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
  const without = (object: Record<string, number>, key: string) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
  // `metadata`: what is written; `errors`: why the patch is refused; neither: nothing is written.
  const cases: Array<{ name: string; current?: User['metadata']; patch: unknown; metadata?: User['metadata']; errors?: string[] }> = [
    { name: 'keys merge; null deletes a key', patch: { plan: null, team: 'x' }, metadata: { limits: { seats: 3, storage: 10 }, team: 'x' } },
    { name: 'objects merge at depth', patch: { limits: { seats: 5, storage: null } }, metadata: { plan: 'free', limits: { seats: 5 } } },
    { name: 'arrays replace', current: { tags: [1, 2] }, patch: { tags: [3] }, metadata: { tags: [3] } },
    { name: 'null clears every key', patch: null, metadata: {} },
    { name: 'a merge that ends where it began is no change', patch: { plan: 'free', limits: { seats: 3 } } },
    { name: 'not an object', patch: ['a'], errors: ['Must be an object'] },
    { name: 'an empty key', patch: { '': 1 }, errors: ['Keys must not be empty'] },
    { name: 'a key over 40 characters', patch: { ['k'.repeat(41)]: 1 }, errors: ['Keys must be at most 40 characters'] },
    { name: 'a number past 2^53', patch: { n: 2 ** 60 }, errors: ['Numbers must be finite and at most 2^53 in magnitude'] },
    { name: 'nesting past 5 levels', patch: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } }, errors: ['Must not nest deeper than 5 levels'] },
    { name: 'more than 50 keys after the merge', current: many(49), patch: { x: 1, y: 2 }, errors: ['Must have at most 50 keys'] },
    { name: 'deletions make room in the same patch', current: many(50), patch: { k0: null, x: 1 }, metadata: { ...without(many(50), 'k0'), x: 1 } },
    { name: 'more than 16 KiB as JSON', patch: { big: 'x'.repeat(16 * 1024) }, errors: ['Must be at most 16384 bytes as JSON'] },
  ];
  for (const { name, current, patch, metadata, errors } of cases) {
    test(name, () => {
      const before = user(current === undefined ? {} : { metadata: current });
      if (errors) {
        assert.deepEqual(refused(() => planUpdate(before, { metadata: patch }, direct)), { metadata: errors });
        return;
      }
      const plan = planUpdate(before, { metadata: patch }, direct);
      if (metadata === undefined) return assert.deepEqual(plan.changes, {});
      assert.deepEqual(plan.changes, { metadata });
      assert.deepEqual(plan.changeSet.metadata?.previous, before.metadata);
    });
  }

  test('"__proto__" in a patch stays a plain key', () => {
    const plan = planUpdate(user(), { metadata: JSON.parse('{"__proto__": {"admin": true}}') }, direct);
    assert.equal(Object.getPrototypeOf(plan.changes.metadata), Object.prototype);
    assert.deepEqual(Object.keys(plan.changes.metadata!), ['plan', 'limits', '__proto__']);
  });
});

describe('email', () => {
  const cases: Array<{
    name: string;
    policy: PlanPolicy;
    current?: Partial<User>;
    patch: Record<string, unknown>;
    changes: Partial<User>;
    emailChanged: boolean;
    pendingEmail?: string;
  }> = [
    {
      name: 'direct: a new address is written, unverified, and any pending address dropped',
      policy: direct,
      current: { pending_email: 'old-pending@example.com' },
      patch: { email: 'grace@example.com' },
      changes: { email: 'grace@example.com', pending_email: null, email_verified: false },
      emailChanged: true,
    },
    {
      name: 'direct: a new address with email_verified true stays verified',
      policy: direct,
      patch: { email: 'grace@example.com', email_verified: true },
      changes: { email: 'grace@example.com' },
      emailChanged: true,
    },
    {
      name: 'a change of letter case is the same mailbox: written, still verified',
      policy: direct,
      patch: { email: 'ADA@example.com' },
      changes: { email: 'ADA@example.com' },
      emailChanged: false,
    },
    {
      name: 'the same address is no change',
      policy: verify,
      patch: { email: 'ada@example.com' },
      changes: {},
      emailChanged: false,
    },
    {
      name: 'an address is stored in NFKC with an IDNA domain',
      policy: direct,
      patch: { email: ' x@tést.example ' },
      changes: { email: 'x@xn--tst-bma.example', email_verified: false },
      emailChanged: true,
    },
    {
      name: 'verify: a new address waits in pending_email; the address and its verification stay',
      policy: verify,
      patch: { email: 'grace@example.com' },
      changes: { pending_email: 'grace@example.com' },
      emailChanged: false,
      pendingEmail: 'grace@example.com',
    },
    {
      name: 'verify: email_verified true (an address verified elsewhere) is written at once',
      policy: verify,
      patch: { email: 'grace@example.com', email_verified: true },
      changes: { email: 'grace@example.com' },
      emailChanged: true,
    },
    {
      name: 'verify: removing the address is not held back',
      policy: verify,
      current: { username: 'ada' },
      patch: { email: null },
      changes: { email: null, email_verified: false },
      emailChanged: true,
    },
    {
      name: 'email_verified alone',
      policy: direct,
      patch: { email_verified: false },
      changes: { email_verified: false },
      emailChanged: false,
    },
  ];
  for (const { name, policy, current, patch, changes, emailChanged, pendingEmail = null } of cases) {
    test(name, () => assert.deepEqual(summary(planUpdate(user(current), patch, policy)), { changes, emailChanged, pendingEmail }));
  }

  test('an invalid address is refused with the rule\'s message', () => {
    assert.deepEqual(refused(() => planUpdate(user(), { email: 'not-an-email' }, direct)), { email: ['Invalid email format'] });
  });
});

describe('a user keeps an identifier', () => {
  const message = 'A user needs at least one of email, username or external_id';
  test('clearing the last one is refused on all three fields', () => {
    assert.deepEqual(refused(() => planUpdate(user(), { email: null }, direct)), { email: [message], username: [message], external_id: [message] });
  });
  test('clearing one while another remains is fine', () => {
    assert.deepEqual(planUpdate(user({ external_id: 'ext-1' }), { email: null }, direct).changes, { email: null, email_verified: false });
  });
  test('swapping one for another in the same patch is fine', () => {
    assert.deepEqual(planUpdate(user(), { email: null, username: 'ada' }, direct).changes, { username: 'ada', email: null, email_verified: false });
  });
  test('create: without any, refused; metadata null is an empty object', () => {
    assert.deepEqual(refused(() => planCreate({ first_name: 'Ada' }, direct)), { email: [message], username: [message], external_id: [message] });
    assert.deepEqual(planCreate({ username: 'ada', metadata: null }, direct), { username: 'ada', metadata: {} });
    assert.deepEqual(refused(() => planCreate({ username: 'ada', metadata: { big: 'x'.repeat(16 * 1024) } }, direct)), { metadata: ['Must be at most 16384 bytes as JSON'] });
  });
});
