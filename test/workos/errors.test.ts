/**
 * Issue 4: the WorkOS door's errors (contract §5) surface as the official SDK's own exception
 * classes, each with the server's request id, on each database.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BadRequestException,
  GenericServerException,
  NotFoundException,
  RateLimitExceededException,
  UnauthorizedException,
  UnprocessableEntityException,
  WorkOS,
} from '@workos-inc/node';
import { UnavailableError } from '../../src/domain/errors.ts';
import { DATABASES } from '../helpers/databases.ts';
import { numberedEmails, rejectsWith, useSdkApp } from './sdk-app.ts';

const canonical = (id: string) => `usr_${id.slice(5).toLowerCase()}`;

for (const kind of DATABASES) {
  describe(`WorkOS door errors through @workos-inc/node on ${kind.name}`, () => {
    const s = useSdkApp(kind);
    const email = numberedEmails();
    const um = () => s.workos.userManagement;

    test('duplicate email: create is a BadRequestException with errors; update its own 400', async () => {
      const taken = email('taken');
      await um().createUser({ email: taken });
      await rejectsWith(um().createUser({ email: taken.toUpperCase() }), BadRequestException, (e) => {
        assert.equal(e.code, 'user_creation_error');
        assert.equal(e.message, 'Could not create user.');
        assert.deepEqual(e.errors, [{ code: 'email_not_available', message: 'This email is not available.' }]);
      });
      const other = await um().createUser({ email: email('other') });
      await rejectsWith(um().updateUser({ userId: other.id, email: taken }), GenericServerException, (e) => {
        assert.equal(e.status, 400);
        assert.equal(e.code, 'email_not_available');
      });
    });

    test('duplicate external_id: external_id_already_used on create and on update', async () => {
      await um().createUser({ email: email('ext'), externalId: 'shared-ext' });
      await rejectsWith(um().createUser({ email: email('ext'), externalId: 'shared-ext' }), BadRequestException, (e) => {
        assert.deepEqual(e.errors, [{ code: 'external_id_already_used', message: 'This external ID is already in use by another user.' }]);
      });
      const other = await um().createUser({ email: email('ext') });
      await rejectsWith(um().updateUser({ userId: other.id, externalId: 'shared-ext' }), GenericServerException, (e) => {
        assert.equal(e.status, 400);
        assert.equal(e.code, 'external_id_already_used');
      });
    });

    test('bad input is an UnprocessableEntityException whose codes name the fields', async () => {
      await rejectsWith(um().createUser({ email: 'not-an-email' }), UnprocessableEntityException, (e) => {
        assert.equal(e.code, 'invalid_request_parameters');
        assert.equal(e.message, 'The following requirement must be met:\n\temail_invalid\n');
      });
      const user = await um().createUser({ email: email('bad') });
      await rejectsWith(um().updateUser({ userId: user.id, firstName: '', lastName: 'x'.repeat(300) }), UnprocessableEntityException, (e) => {
        assert.match(e.message, /first_name_invalid/);
        assert.match(e.message, /last_name_invalid/);
      });
      await rejectsWith(um().listUsers({ limit: 500 }), UnprocessableEntityException, (e) => assert.match(e.message, /limit_invalid/));
      await rejectsWith(um().listUsers({ after: 'not-a-cursor' }), UnprocessableEntityException);
    });

    test('email and locale problems on update are 400 invalid_email / invalid_locale', async () => {
      const user = await um().createUser({ email: email('fmt') });
      await rejectsWith(um().updateUser({ userId: user.id, email: 'nope' }), GenericServerException, (e) => assert.equal(e.code, 'invalid_email'));
      await rejectsWith(um().updateUser({ userId: user.id, locale: 'not a locale' }), GenericServerException, (e) => assert.equal(e.code, 'invalid_locale'));
    });

    test('password rules: password_strength_error (with errors), both kinds given, a bad hash', async () => {
      await rejectsWith(um().createUser({ email: email('pw'), password: 'short' }), BadRequestException, (e) => {
        assert.equal(e.code, 'password_strength_error');
        assert.equal(e.errors?.length, 1);
      });
      const address = email('pw');
      await rejectsWith(um().createUser({ email: address, password: address }), BadRequestException, (e) => assert.equal(e.code, 'password_strength_error'));
      const user = await um().createUser({ email: email('pw') });
      await rejectsWith(um().updateUser({ userId: user.id, password: 'long enough 1', passwordHash: '$2y$07$x', passwordHashType: 'bcrypt' }), GenericServerException, (e) =>
        assert.equal(e.code, 'password_and_password_hash_provided'),
      );
      await rejectsWith(um().updateUser({ userId: user.id, password: 'long enough 1', passwordHashType: 'bcrypt' }), GenericServerException, (e) =>
        assert.equal(e.code, 'password_and_password_hash_type_provided'),
      );
      await rejectsWith(um().updateUser({ userId: user.id, passwordHash: 'not-a-bcrypt-hash', passwordHashType: 'bcrypt' }), GenericServerException, (e) =>
        assert.equal(e.code, 'invalid_password_hash'),
      );
      await rejectsWith(um().updateUser({ userId: user.id, passwordHash: '$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq' }), UnprocessableEntityException);
    });

    test('metadata limits: 400 invalid_metadata, checked against the merged result', async () => {
      const user = await um().createUser({ email: email('limits') });
      const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']));
      const eleven = { ...ten, k10: 'v' };
      const invalid = (metadata: Record<string, unknown>, work = um().updateUser({ userId: user.id, metadata: metadata as Record<string, string> })) =>
        rejectsWith(work, GenericServerException, (e) => {
          assert.equal(e.status, 400);
          assert.equal(e.code, 'invalid_metadata');
        });
      await invalid(eleven, um().createUser({ email: email('limits'), metadata: eleven }));
      await invalid({ ['k'.repeat(41)]: 'v' });
      await invalid({ key: 'v'.repeat(601) });
      await invalid({ key: 'café' });
      await invalid({ key: 42 });
      await invalid({ key: { nested: 'no' } });
      await um().updateUser({ userId: user.id, metadata: { ['k'.repeat(40)]: 'v'.repeat(600) } });
      await um().updateUser({ userId: user.id, metadata: { ['k'.repeat(40)]: null, ...ten } });
      await invalid({ one_more: 'v' });
      // Replacing and deleting keys is always allowed; so is adding one once another is gone.
      const swapped = await um().updateUser({ userId: user.id, metadata: { k0: null, k9: 'changed', fresh: 'v' } });
      assert.equal(Object.keys(swapped.metadata).length, 10);
      assert.equal((await um().getUser(user.id)).metadata.k9, 'changed');
    });

    test('concurrent metadata updates that add keys never take a user past 10 keys: the limit is checked in the update transaction', async () => {
      const user = await um().createUser({ email: email('race'), metadata: Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`k${i}`, 'v'])) });
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => um().updateUser({ userId: user.id, metadata: { [`added${i}`]: 'yes' } })));
      const refused = results.filter((r) => r.status === 'rejected');
      assert.equal(results.length - refused.length, 3);
      for (const r of refused) assert.equal((r as PromiseRejectedResult).reason.code, 'invalid_metadata');
      assert.equal(Object.keys((await um().getUser(user.id)).metadata).length, 10);
    });

    test('a user given more keys through another door can still change and delete them here', async () => {
      const metadata = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`v1_${i}`, i]));
      const created = await s.t.services.users.create(s.ctx, { email: email('wide'), metadata });
      const id = `user_${created.id.slice(4).toUpperCase()}`;
      const shown = await um().getUser(id);
      assert.equal(shown.metadata.v1_3, '3', 'non-string values show as JSON text');
      const changed = await um().updateUser({ userId: id, metadata: { v1_0: null, v1_1: 'one' } });
      assert.equal(Object.keys(changed.metadata).length, 11);
      await rejectsWith(um().updateUser({ userId: id, metadata: { extra: 'v' } }), GenericServerException, (e) => assert.equal(e.code, 'invalid_metadata'));
    });

    test('email verification failures have WorkOS codes', async () => {
      const address = email('codes');
      const user = await um().createUser({ email: address });
      await rejectsWith(um().verifyEmail({ userId: user.id, code: '000000' }), GenericServerException, (e) => assert.equal(e.code, 'email_verification_code_incorrect'));
      await um().sendVerificationEmail({ userId: user.id });
      const code = s.codeFor(address);
      const wrong = code === '999999' ? '000000' : '999999';
      await rejectsWith(um().verifyEmail({ userId: user.id, code: wrong }), GenericServerException, (e) => {
        assert.equal(e.status, 400);
        assert.equal(e.code, 'email_verification_code_incorrect');
      });
      await um().verifyEmail({ userId: user.id, code });
      await rejectsWith(um().verifyEmail({ userId: user.id, code }), GenericServerException, (e) => assert.equal(e.code, 'email_verification_code_previously_used'));
      await rejectsWith(um().verifyEmail({ userId: user.id, code: wrong }), GenericServerException, (e) => assert.equal(e.code, 'email_previously_verified'));
      await rejectsWith(um().sendVerificationEmail({ userId: user.id }), GenericServerException, (e) => assert.equal(e.code, 'email_already_verified'));
    });

    test('too many verification mails: RateLimitExceededException with Retry-After', async () => {
      const user = await um().createUser({ email: email('quota') });
      for (let i = 0; i < 5; i++) await um().sendVerificationEmail({ userId: user.id });
      await rejectsWith(s.noRetry.userManagement.sendVerificationEmail({ userId: user.id }), RateLimitExceededException, (e) => {
        assert.equal(e.retryAfter, 3600);
      });
    });

    test('unknown users are NotFoundExceptions on every call', async () => {
      const missing = 'user_01H5JQDV7R7ATEYZDEG0W5PRYS';
      const calls = [
        () => um().getUser(missing),
        () => um().updateUser({ userId: missing, firstName: 'x' }),
        () => um().deleteUser(missing),
        () => um().getUserIdentities(missing),
        () => um().sendVerificationEmail({ userId: missing }),
        () => um().verifyEmail({ userId: missing, code: '123456' }),
      ];
      for (const call of calls) {
        await rejectsWith(call(), NotFoundException, (e) => {
          assert.equal(e.code, 'entity_not_found');
          assert.equal(e.message, `User not found: '${missing}'.`);
        });
      }
    });

    test('a bad key is an UnauthorizedException; a read-only key may read but not write', async () => {
      const port = Number(new URL(s.baseUrl).port);
      const stranger = new WorkOS('sk_test_not_a_real_key', { apiHostname: '127.0.0.1', port, https: false });
      await rejectsWith(stranger.userManagement.listUsers(), UnauthorizedException);
      await rejectsWith(stranger.userManagement.getUser('user_01H5JQDV7R7ATEYZDEG0W5PRYS'), UnauthorizedException);
      const reader = new WorkOS(await s.t.key(['read']), { apiHostname: '127.0.0.1', port, https: false });
      assert.ok((await reader.userManagement.listUsers({ limit: 1 })).data.length <= 1);
      await rejectsWith(reader.userManagement.createUser({ email: email('reader') }), GenericServerException, (e) => {
        assert.equal(e.status, 403);
        assert.equal(e.code, 'forbidden');
      });
    });

    test('server failures are GenericServerExceptions with their status', async (t) => {
      const user = await um().createUser({ email: email('boom') });
      const get = t.mock.method(s.t.services.users, 'get', async () => {
        throw new Error('boom');
      });
      await rejectsWith(s.noRetry.userManagement.getUser(user.id), GenericServerException, (e) => {
        assert.equal(e.status, 500);
        assert.equal(e.code, 'server_error');
      });
      get.mock.mockImplementation(async () => {
        throw new UnavailableError();
      });
      await rejectsWith(s.noRetry.userManagement.getUser(user.id), GenericServerException, (e) => {
        assert.equal(e.status, 503);
        assert.equal(e.code, 'unavailable');
      });
      get.mock.restore();
      assert.equal((await um().getUser(user.id)).id, user.id);
      assert.equal((await s.t.services.users.get(s.ctx, canonical(user.id))).email, user.email);
    });
  });
}
