/**
 * Issue 14, item 2: users.update takes a function of the current user, run inside the update's
 * transaction on the locked row, so a rule that depends on the current value holds under races.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RequestContext } from '../../src/services/context.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

for (const kind of DATABASES) {
  describe(`users.update with a function of the current user on ${kind.name}`, () => {
    let t: TestApp;
    const ctx: RequestContext = { environment: 'test', actor: 'test', door: 'v1', requestId: null };
    before(async () => {
      t = await startTestApp(kind);
    });
    after(() => t.close());

    test('each call sees the user as the previous one left it: 10 concurrent increments give 10', async () => {
      const user = await t.services.users.create(ctx, { email: 'counter@example.com', metadata: { count: 0 } });
      await Promise.all(
        Array.from({ length: 10 }, () =>
          t.services.users.update(ctx, user.id, (current) => ({ metadata: { count: (current.metadata.count as number) + 1 } })),
        ),
      );
      const after = await t.services.users.get(ctx, user.id);
      assert.equal(after.metadata.count, 10);
      assert.equal(after.version, 11);
    });

    test('the patch a function returns goes through the same planner as a plain patch', async () => {
      const user = await t.services.users.create(ctx, { email: 'planned@example.com' });
      await assert.rejects(t.services.users.update(ctx, user.id, () => ({ locale: 'not a locale!' })), { code: 'validation_error' });
      const result = await t.services.users.update(ctx, user.id, (current) => ({ name: `${current.email} renamed` }));
      assert.equal(result.user.name, 'planned@example.com renamed');
    });

    test('a door key limit (metadataMaxKeys) counts the keys of the user as it is', async () => {
      const user = await t.services.users.create(ctx, { email: 'limited@example.com', metadata: { a: 1, b: 2 } });
      await assert.rejects(t.services.users.update(ctx, user.id, { metadata: { c: 3 } }, { metadataMaxKeys: 2 }), { reason: 'metadata_rejected' });
      // Changing or deleting keys adds none, so it is allowed even at the limit.
      await t.services.users.update(ctx, user.id, { metadata: { a: 'one', b: null } }, { metadataMaxKeys: 2 });
      await t.services.users.update(ctx, user.id, { metadata: { c: 3 } }, { metadataMaxKeys: 2 });
      assert.deepEqual((await t.services.users.get(ctx, user.id)).metadata, { a: 'one', c: 3 });
    });
  });
}
