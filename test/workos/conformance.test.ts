/**
 * Issue 4: the WorkOS door (seed 003, contracts/workos-users-api.md). The official
 * @workos-inc/node SDK, pointed at a listening Userplane, runs the users lifecycle on each database.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NotFoundException, type User as WorkosUser } from '@workos-inc/node';
import { DATABASES } from '../helpers/databases.ts';
import { numberedEmails, rejectsWith, useSdkApp } from './sdk-app.ts';

const WORKOS_ID = /^user_[0-9A-HJKMNP-TV-Z]{26}$/;
const canonical = (id: string) => `usr_${id.slice(5).toLowerCase()}`;
// Published vector: PHP's crypt() documentation, "rasmuslerdorf" at cost 07 ($2y$).
const BCRYPT_VECTOR = { hash: '$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq', password: 'rasmuslerdorf' };
// The OpenAPI document's example hash (its password is not published).
const OAS_BCRYPT = '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';

for (const kind of DATABASES) {
  describe(`WorkOS door through @workos-inc/node on ${kind.name}`, () => {
    const s = useSdkApp(kind);
    const email = numberedEmails();
    const verifies = (user: WorkosUser, password: string) => s.t.services.passwords.verify(s.ctx, canonical(user.id), password);

    test('createUser with a password: every field round-trips, the password verifies, the event records door workos', async () => {
      const address = email('create');
      const user = await s.workos.userManagement.createUser({
        email: address,
        password: 'correct horse battery',
        firstName: 'Ada',
        lastName: 'Lovelace',
        name: 'Ada Lovelace',
        emailVerified: true,
        externalId: `ext-${email.count}`,
        metadata: { tier: 'gold' },
      });
      assert.match(user.id, WORKOS_ID);
      assert.equal(user.object, 'user');
      assert.equal(user.email, address);
      assert.equal(user.emailVerified, true);
      assert.equal(user.firstName, 'Ada');
      assert.equal(user.lastName, 'Lovelace');
      assert.equal(user.name, 'Ada Lovelace');
      assert.equal(user.externalId, `ext-${email.count}`);
      assert.deepEqual(user.metadata, { tier: 'gold' });
      assert.equal(user.profilePictureUrl, null);
      assert.equal(user.lastSignInAt, null);
      assert.equal(user.locale, null);
      assert.match(user.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(await verifies(user, 'correct horse battery'), true);
      assert.equal(await verifies(user, 'wrong horse battery'), false);

      const { items } = await s.t.services.users.events(s.ctx, canonical(user.id), { limit: 10 });
      assert.deepEqual(items.map((e) => [e.type, e.door]), [['user.created', 'workos']]);
      assert.equal(items[0]?.changes.password?.current, '[redacted]');
      assert.equal((await s.t.services.users.get(s.ctx, canonical(user.id))).source, 'workos');
    });

    test('createUser with password_hash (bcrypt import), then the password verifies', async () => {
      const user = await s.workos.userManagement.createUser({ email: email('bcrypt'), passwordHash: BCRYPT_VECTOR.hash, passwordHashType: 'bcrypt' });
      assert.equal(await verifies(user, BCRYPT_VECTOR.password), true);
      assert.equal(await verifies(user, 'rasmuslerdorf!'), false);
      // The OpenAPI example imports as well; no password is known for it.
      const example = await s.workos.userManagement.createUser({ email: email('oas'), passwordHash: OAS_BCRYPT, passwordHashType: 'bcrypt' });
      assert.equal(await verifies(example, 'password'), false);
    });

    test('getUser and getUserByExternalId (an external id with "/", "%", "?" and ":")', async () => {
      const externalId = `ext/with%20?:${email.count}`;
      const created = await s.workos.userManagement.createUser({ email: email('get'), externalId });
      assert.deepEqual(await s.workos.userManagement.getUser(created.id), created);
      assert.deepEqual(await s.workos.userManagement.getUserByExternalId(externalId), created);
      // The canonical id names the same user.
      assert.equal((await s.workos.userManagement.getUser(canonical(created.id))).id, created.id);
      await rejectsWith(s.workos.userManagement.getUserByExternalId('no-such-external-id'), NotFoundException, (e) => {
        assert.equal(e.message, "User not found: 'no-such-external-id'.");
      });
    });

    test('listUsers: autoPagination walks more than 100 users newest first; limit, after, before and order', async () => {
      for (let i = 0; i < 120; i++) {
        await s.t.services.users.create(s.ctx, { email: `bulk-${i}@example.com`, metadata: { bulk: 'yes' } });
      }
      const total = (await s.t.services.users.list(s.ctx, {}, { limit: 1000 })).items.length;
      assert.ok(total > 120);

      const list = await s.workos.userManagement.listUsers();
      assert.equal(list.data.length, 10, 'default limit');
      const all = await list.autoPagination();
      assert.equal(all.length, total);
      const ids = all.map((u) => u.id);
      assert.equal(new Set(ids).size, total);
      assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');

      const asc = await s.workos.userManagement.listUsers({ limit: 5, order: 'asc' });
      assert.deepEqual(asc.data.map((u) => u.id), [...ids].reverse().slice(0, 5));
      assert.equal(asc.listMetadata.before, null);
      assert.equal(asc.listMetadata.after, asc.data[4]!.id);
      const next = await s.workos.userManagement.listUsers({ limit: 5, order: 'asc', after: asc.listMetadata.after! });
      assert.deepEqual(next.data.map((u) => u.id), [...ids].reverse().slice(5, 10));
      assert.equal(next.listMetadata.before, next.data[0]!.id);
      const back = await s.workos.userManagement.listUsers({ limit: 5, order: 'asc', before: next.listMetadata.before! });
      assert.deepEqual(back.data.map((u) => u.id), asc.data.map((u) => u.id));
      assert.equal(back.listMetadata.before, null);
      assert.equal(back.listMetadata.after, asc.data[4]!.id);

      const desc = await s.workos.userManagement.listUsers({ limit: 3, order: 'desc', after: ids[2] });
      assert.deepEqual(desc.data.map((u) => u.id), ids.slice(3, 6));
      const normal = await s.workos.userManagement.listUsers({ limit: 3, order: 'normal' as 'desc' });
      assert.deepEqual(normal.data.map((u) => u.id), ids.slice(0, 3));
      const last = await s.workos.userManagement.listUsers({ limit: 100, after: ids[total - 3] });
      assert.deepEqual(last.data.map((u) => u.id), ids.slice(total - 2));
      assert.equal(last.listMetadata.after, null);
    });

    test('listUsers: the email filter is case-insensitive; organization_id gives an empty list', async () => {
      const user = await s.workos.userManagement.createUser({ email: email('Filter') });
      const found = await s.workos.userManagement.listUsers({ email: user.email.toUpperCase() });
      assert.deepEqual(found.data.map((u) => u.id), [user.id]);
      assert.deepEqual(found.listMetadata, { before: null, after: null });
      const none = await s.workos.userManagement.listUsers({ organizationId: 'org_01H5JQDV7R7ATEYZDEG0W5PRYS' });
      assert.deepEqual(none.data, []);
    });

    test('updateUser with every field it lists', async () => {
      const user = await s.workos.userManagement.createUser({ email: email('update'), metadata: { keep: 'me' } });
      const newEmail = email('updated');
      const updated = await s.workos.userManagement.updateUser({
        userId: user.id,
        email: newEmail,
        emailVerified: true,
        name: 'Grace Hopper',
        firstName: 'Grace',
        lastName: 'Hopper',
        password: 'a new password 1',
        externalId: `upd-${email.count}`,
        locale: 'fr-CA',
        metadata: { plan: 'pro' },
      });
      assert.equal(updated.id, user.id);
      assert.equal(updated.email, newEmail);
      assert.equal(updated.emailVerified, true, 'set true in the same request as the email change');
      assert.equal(updated.name, 'Grace Hopper');
      assert.equal(updated.firstName, 'Grace');
      assert.equal(updated.lastName, 'Hopper');
      assert.equal(updated.externalId, `upd-${email.count}`);
      assert.equal(updated.locale, 'fr-CA');
      assert.deepEqual(updated.metadata, { keep: 'me', plan: 'pro' });
      assert.ok(updated.updatedAt > user.updatedAt);
      assert.equal(await verifies(updated, 'a new password 1'), true);

      const imported = await s.workos.userManagement.updateUser({ userId: user.id, passwordHash: BCRYPT_VECTOR.hash, passwordHashType: 'bcrypt' });
      assert.equal(await verifies(imported, BCRYPT_VECTOR.password), true);
      assert.equal(await verifies(imported, 'a new password 1'), false);

      const { items } = await s.t.services.users.events(s.ctx, canonical(user.id), { limit: 10 });
      assert.ok(items.every((e) => e.door === 'workos'));
      assert.equal(items[0]?.changes.password?.current, '[redacted]');
    });

    test('email change: email_verified resets and identities with another email are unlinked', async () => {
      const oldEmail = email('old');
      const newEmail = email('new');
      const user = await s.workos.userManagement.createUser({ email: oldEmail, emailVerified: true });
      await s.t.services.identities.link(s.ctx, canonical(user.id), { provider: 'GoogleOAuth', provider_user_id: 'google-123', email: newEmail });
      await s.t.services.identities.link(s.ctx, canonical(user.id), { provider: 'MicrosoftOAuth', provider_user_id: 'ms-456', email: oldEmail });
      const identities = await s.workos.userManagement.getUserIdentities(user.id);
      assert.deepEqual(identities, [
        { idpId: 'google-123', type: 'OAuth', provider: 'GoogleOAuth' },
        { idpId: 'ms-456', type: 'OAuth', provider: 'MicrosoftOAuth' },
      ]);

      const changed = await s.workos.userManagement.updateUser({ userId: user.id, email: newEmail });
      assert.equal(changed.email, newEmail);
      assert.equal(changed.emailVerified, false);
      assert.deepEqual(await s.workos.userManagement.getUserIdentities(user.id), [{ idpId: 'google-123', type: 'OAuth', provider: 'GoogleOAuth' }]);
    });

    test('metadata: merge, deletion by null, and {} deletes every key', async () => {
      const user = await s.workos.userManagement.createUser({ email: email('meta'), metadata: { a: '1', b: '2' } });
      const merged = await s.workos.userManagement.updateUser({ userId: user.id, metadata: { b: null, c: '3' } });
      assert.deepEqual(merged.metadata, { a: '1', c: '3' });
      const untouched = await s.workos.userManagement.updateUser({ userId: user.id, firstName: 'Meta' });
      assert.deepEqual(untouched.metadata, { a: '1', c: '3' });
      const cleared = await s.workos.userManagement.updateUser({ userId: user.id, metadata: {} });
      assert.deepEqual(cleared.metadata, {});
    });

    test('deleteUser, then getUser is a NotFoundException naming the id', async () => {
      const user = await s.workos.userManagement.createUser({ email: email('delete') });
      await s.workos.userManagement.deleteUser(user.id);
      await rejectsWith(s.workos.userManagement.getUser(user.id), NotFoundException, (e) => {
        assert.equal(e.status, 404);
        assert.equal(e.code, 'entity_not_found');
        assert.equal(e.message, `User not found: '${user.id}'.`);
      });
      await rejectsWith(s.workos.userManagement.deleteUser(user.id), NotFoundException);
      const { items } = await s.t.services.store.events.listForUser('test', canonical(user.id), { limit: 10 });
      assert.deepEqual(items.map((e) => [e.type, e.door]), [['user.deleted', 'workos'], ['user.created', 'workos']]);
    });

    test('sendVerificationEmail, then verifyEmail with the mailed code', async () => {
      const address = email('verify');
      const user = await s.workos.userManagement.createUser({ email: address });
      const sent = await s.workos.userManagement.sendVerificationEmail({ userId: user.id });
      assert.equal(sent.user.id, user.id);
      assert.equal(sent.user.emailVerified, false);
      const { user: verified } = await s.workos.userManagement.verifyEmail({ userId: user.id, code: s.codeFor(address) });
      assert.equal(verified.id, user.id);
      assert.equal(verified.emailVerified, true);
      assert.equal((await s.workos.userManagement.getUser(user.id)).emailVerified, true);
    });
  });
}
