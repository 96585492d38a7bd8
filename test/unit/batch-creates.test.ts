/**
 * Issue 15, item 3: creates that wait to be written together (src/services/batch-creates.ts). When
 * writing them together fails, nothing of them is kept and each is created on its own, with its
 * own result or error; a create whose unique value a stored user holds never waits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeferredCreates, takenValues } from '../../src/services/batch-creates.ts';
import type { RequestContext } from '../../src/services/context.ts';
import type { PlannedCreate, UserService } from '../../src/services/user-service.ts';
import type { StoredUser } from '../../src/store/contract.ts';

const ctx = { environment: 'test' } as RequestContext;
const planned = (email: string, more: Partial<StoredUser> = {}): PlannedCreate => ({
  user: { email, username: null, external_id: null, ...more } as StoredUser,
  changes: {},
});

test('a failed write together creates each on its own, each with its own outcome', async () => {
  const written: PlannedCreate[][] = [];
  const users = {
    async createPlanned(_ctx: RequestContext, list: readonly PlannedCreate[]) {
      written.push([...list]);
      throw new Error('a value was taken meanwhile');
    },
  } as unknown as UserService;
  const settled = new Map<number, unknown>();
  const deferred = new DeferredCreates<string>(ctx, users, new Set(), (index, outcome) => settled.set(index, outcome));
  deferred.add(3, planned('a@example.com'), async () => 'alone a');
  deferred.add(4, planned('b@example.com'), async () => {
    throw new Error('b conflicts');
  });
  await deferred.flush();
  assert.equal(written.length, 1);
  assert.equal(written[0]!.length, 2);
  assert.deepEqual(settled.get(3), { result: 'alone a' });
  assert.equal((settled.get(4) as { error: Error }).error.message, 'b conflicts');
  // Flushed: nothing waits any more.
  await deferred.flush();
  assert.equal(written.length, 1);
});

test('a write together that succeeds settles nothing on its own', async () => {
  const users = { createPlanned: async () => {} } as unknown as UserService;
  const settled: number[] = [];
  const deferred = new DeferredCreates<string>(ctx, users, new Set(), (index) => settled.push(index));
  deferred.add(0, planned('a@example.com'), async () => 'never');
  await deferred.flush();
  assert.deepEqual(settled, []);
});

test('only a user none of whose unique values is stored may wait (compared as the store compares them)', () => {
  const taken = takenValues([{ email: 'Taken@Example.com', username: 'Ｔａｋｅｎ', external_id: 'ext-1' }]);
  const deferred = new DeferredCreates<string>(ctx, {} as UserService, taken, () => {});
  assert.equal(deferred.fits(planned('free@example.com').user), true);
  assert.equal(deferred.fits(planned('taken@EXAMPLE.com').user), false);
  assert.equal(deferred.fits(planned('free@example.com', { username: 'taken' }).user), false);
  assert.equal(deferred.fits(planned('free@example.com', { external_id: 'ext-1' }).user), false);
  // external_id compares exactly.
  assert.equal(deferred.fits(planned('free@example.com', { external_id: 'EXT-1' }).user), true);
});
