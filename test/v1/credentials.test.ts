/**
 * Issue 3: passwords (set, import, verify, upgrade), email verification through a real SMTP
 * server, identities and the email-change rules — on each database.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createSmtpMailer } from '../../src/mail/mailer.ts';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app.ts';
import { codeIn, startSmtpServer } from '../helpers/smtp.ts';
import { userMaker } from '../helpers/users.ts';

// From the OpenBSD/crypt_blowfish vectors as passlib carries them: "U*U" at cost 5.
const BCRYPT_U = { hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', password: 'U*U' };

for (const kind of DATABASES) {
  describe(`credentials on ${kind.name}`, () => {
    let t: TestApp;
    let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
    const log = new PassThrough();
    let logText = '';
    log.on('data', (chunk: Buffer) => (logText += chunk.toString()));
    before(async () => {
      smtp = await startSmtpServer();
      t = await startTestApp(kind, { mailer: createSmtpMailer(smtp.url, 'Userplane <no-reply@userplane.test>'), logStream: log });
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    const createUser = userMaker(() => t, (n) => ({ email: `cred${n}-${kind.name}@example.com` }));
    const post = (url: string, payload: object) => t.request({ method: 'POST', url, payload });

    test('set a password (argon2id), verify right and wrong; password_set; the event is redacted', async () => {
      const user = await createUser();
      const set = await post(`/v1/users/${user.id}/password`, { password: 'correct horse battery' });
      assert.equal(set.statusCode, 200, set.body);
      assert.equal(set.json().password_set, true);
      assert.equal(set.json().version, 2);
      assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password: 'correct horse battery' })).json(), { verified: true });
      assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password: 'wrong horse battery' })).json(), { verified: false });
      const stored = await t.store.users.findById('test', user.id);
      assert.match(stored!.password_hash!, /^\$argon2id\$v=19\$/);
      const events = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events` })).json();
      assert.deepEqual(events.data[0].changes.password, { previous: null, current: '[redacted]' });
      assert.deepEqual(events.data[0].changes.password_set, { previous: false, current: true });
    });

    test('password policy: 8–128 characters, not the email; each a 400 naming the rule', async () => {
      const user = await createUser({ email: 'same-as-password@example.com' });
      const short = await post(`/v1/users/${user.id}/password`, { password: 'short' });
      assert.equal(short.statusCode, 400);
      assert.deepEqual(short.json().details.password, ['Must be at least 8 characters']);
      const long = await post(`/v1/users/${user.id}/password`, { password: 'x'.repeat(129) });
      assert.deepEqual(long.json().details.password, ['Must be at most 128 characters']);
      const email = await post(`/v1/users/${user.id}/password`, { password: 'Same-As-Password@example.com' });
      assert.deepEqual(email.json().details.password, ['Must not be the same as the email address']);
      assert.equal((await t.store.users.findById('test', user.id))!.password_set, false);
    });

    test('both forms together, a hash without its type, an unknown type, a malformed hash: 400s', async () => {
      const user = await createUser();
      const both = await post(`/v1/users/${user.id}/password`, { password: 'long enough', password_hash: BCRYPT_U.hash, password_hash_type: 'bcrypt' });
      assert.equal(both.statusCode, 400);
      assert.ok(both.json().details.password && both.json().details.password_hash);
      const noType = await post(`/v1/users/${user.id}/password`, { password_hash: BCRYPT_U.hash });
      assert.equal(noType.statusCode, 400);
      assert.ok(noType.json().details.password_hash_type);
      const unknown = await post(`/v1/users/${user.id}/password`, { password_hash: 'abc', password_hash_type: 'md4' });
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().details.password_hash_type[0], /bcrypt.*argon2.*scrypt.*pbkdf2.*ssha.*ssha256.*firebase-scrypt/);
      const malformed = await post(`/v1/users/${user.id}/password`, { password_hash: '$2b$99$nope', password_hash_type: 'bcrypt' });
      assert.equal(malformed.statusCode, 400);
      assert.match(malformed.json().details.password_hash[0], /bcrypt/);
      const empty = await post(`/v1/users/${user.id}/password`, {});
      assert.equal(empty.statusCode, 400);
    });

    test('an imported bcrypt hash verifies and is re-hashed to argon2id in the same step', async () => {
      const user = await createUser();
      const set = await post(`/v1/users/${user.id}/password`, { password_hash: BCRYPT_U.hash, password_hash_type: 'bcrypt' });
      assert.equal(set.statusCode, 200, set.body);
      assert.equal((await t.store.users.findById('test', user.id))!.password_hash_type, 'bcrypt');
      assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password: 'U*V' })).json(), { verified: false });
      assert.equal((await t.store.users.findById('test', user.id))!.password_hash_type, 'bcrypt');
      assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password: BCRYPT_U.password })).json(), { verified: true });
      const upgraded = await t.store.users.findById('test', user.id);
      assert.equal(upgraded!.password_hash_type, 'argon2');
      assert.match(upgraded!.password_hash!, /^\$argon2id\$/);
      assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password: BCRYPT_U.password })).json(), { verified: true });
    });

    test('crypt(3), phpass, Django and LDAP imports verify and are re-hashed to argon2id; a malformed one is a 400', async () => {
      // Vectors: Drepper's SHA-crypt specification and the PHP manual's crypt() example.
      const cases = [
        { type: 'sha512_crypt', hash: '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1', password: 'Hello world!' },
        { type: 'sha256_crypt', hash: '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA', password: 'Hello world!' },
        { type: 'md5_crypt', hash: '$1$rasmusle$rISCgZzpwk3UhDidwXvin0', password: 'rasmuslerdorf' },
        // Openwall phpass's test.php vector.
        { type: 'phpass', hash: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', password: 'test12345', malformed: /^phpass hash must look like/ },
        // Django 1.8's test_hashers.py and passlib's django_bcrypt_sha256 vectors.
        {
          type: 'django_pbkdf2_sha256',
          hash: 'pbkdf2_sha256$20000$seasalt$oBSd886ysm3AqYun62DOdin8YcfbU1z9cksZSuLP9r0=',
          password: 'l\u00e8tmein',
          malformed: /^django_pbkdf2_sha256 hash \(the last field\) must be padded standard base64 of 32 bytes$/,
        },
        {
          type: 'django_bcrypt_sha256',
          hash: 'bcrypt_sha256$$2a$08$NDjSAIcas.EcoxCRiArvT.MkNiPYVhrsrnJsRkLueZOoV1bsQqlmC',
          password: 'l\u00e8tmein',
          malformed: /^django_bcrypt_sha256: bcrypt hash must look like/,
        },
        // passlib's ldap_salted_md5 vector.
        { type: 'ldap', hash: '{SMD5}UjFY34os/pnZQ3oQOzjqGu4yeXE=', password: 'testing1234', malformed: /^ldap hash must be \{SMD5\} followed by standard base64/ },
      ];
      for (const { type, hash, password, malformed } of cases as Array<{ type: string; hash: string; password: string; malformed?: RegExp }>) {
        const user = await createUser();
        const set = await post(`/v1/users/${user.id}/password`, { password_hash: hash, password_hash_type: type });
        assert.equal(set.statusCode, 200, `${type}: ${set.body}`);
        assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password: `${password}!` })).json(), { verified: false });
        assert.equal((await t.store.users.findById('test', user.id))!.password_hash_type, type);
        assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password })).json(), { verified: true });
        const upgraded = await t.store.users.findById('test', user.id);
        assert.equal(upgraded!.password_hash_type, 'argon2', type);
        assert.match(upgraded!.password_hash!, /^\$argon2id\$/);
        const bad = await post(`/v1/users/${user.id}/password`, { password_hash: hash.slice(0, -1), password_hash_type: type });
        assert.equal(bad.statusCode, 400, type);
        assert.match(bad.json().details.password_hash[0], malformed ?? new RegExp(`^${type} checksum`));
      }
    });

    test('a user without a password never verifies', async () => {
      const user = await createUser();
      assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password: 'anything at all' })).json(), { verified: false });
    });

    test('verification: the code arrives by SMTP, confirms once; wrong, used and repeated requests have distinct codes', async () => {
      const user = await createUser();
      const mark = smtp.received.length;
      const sent = await post(`/v1/users/${user.id}/email_verification/send`, {});
      assert.equal(sent.statusCode, 200, sent.body);
      assert.equal(sent.json().email, user.email);
      const mail = await smtp.nextTo(user.email, mark);
      const code = codeIn(mail);
      const wrongCode = code === '000000' ? '111111' : '000000';
      const wrong = await post(`/v1/users/${user.id}/email_verification/confirm`, { code: wrongCode });
      assert.equal(wrong.statusCode, 400);
      assert.equal(wrong.json().error, 'verification_code_incorrect');
      const ok = await post(`/v1/users/${user.id}/email_verification/confirm`, { code });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().email_verified, true);
      const used = await post(`/v1/users/${user.id}/email_verification/confirm`, { code });
      assert.equal(used.json().error, 'verification_code_used');
      const again = await post(`/v1/users/${user.id}/email_verification/send`, {});
      assert.equal(again.statusCode, 400);
      assert.equal(again.json().error, 'email_already_verified');
      const stored = await t.store.verifications.find('test', user.id);
      assert.ok(!stored!.code_hash.includes(code));
    });

    test('verification send takes no body, as the README shows it (curl -X POST without -d)', async () => {
      const user = await createUser();
      const res = await t.app.inject({ method: 'POST', url: `/v1/users/${user.id}/email_verification/send`, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
      assert.equal(res.statusCode, 200, res.body);
    });

    test('verification: 5 wrong attempts exhaust the code; a new send replaces it', async () => {
      const user = await createUser();
      let mark = smtp.received.length;
      await post(`/v1/users/${user.id}/email_verification/send`, {});
      const first = codeIn(await smtp.nextTo(user.email, mark));
      const wrong = first === '999999' ? '999998' : '999999';
      for (let i = 0; i < 5; i++) assert.equal((await post(`/v1/users/${user.id}/email_verification/confirm`, { code: wrong })).json().error, 'verification_code_incorrect');
      const exhausted = await post(`/v1/users/${user.id}/email_verification/confirm`, { code: first });
      assert.equal(exhausted.json().error, 'verification_attempts_exceeded');
      mark = smtp.received.length;
      await post(`/v1/users/${user.id}/email_verification/send`, {});
      const second = codeIn(await smtp.nextTo(user.email, mark));
      if (second !== first) {
        assert.equal((await post(`/v1/users/${user.id}/email_verification/confirm`, { code: first })).json().error, 'verification_code_incorrect');
      }
      assert.equal((await post(`/v1/users/${user.id}/email_verification/confirm`, { code: second })).statusCode, 200);
    });

    test('verification: an expired code is refused with its own code', async () => {
      const user = await createUser();
      const mark = smtp.received.length;
      await post(`/v1/users/${user.id}/email_verification/send`, {});
      const code = codeIn(await smtp.nextTo(user.email, mark));
      const record = await t.store.verifications.find('test', user.id);
      await t.store.verifications.replace({ ...record!, expires_at: new Date(Date.now() - 1000).toISOString() });
      const res = await post(`/v1/users/${user.id}/email_verification/confirm`, { code });
      assert.equal(res.json().error, 'verification_code_expired');
    });

    test('verification: at most 5 sends an hour per user, then 429 with Retry-After', async () => {
      const user = await createUser();
      for (let i = 0; i < 5; i++) assert.equal((await post(`/v1/users/${user.id}/email_verification/send`, {})).statusCode, 200);
      const sixth = await post(`/v1/users/${user.id}/email_verification/send`, {});
      assert.equal(sixth.statusCode, 429);
      assert.equal(sixth.json().error, 'rate_limited');
      assert.ok(Number(sixth.headers['retry-after']) > 0);
    });

    test('identities: link, list, unique per provider account, unlink', async () => {
      const user = await createUser();
      const link = await post(`/v1/users/${user.id}/identities`, { provider: 'GoogleOAuth', provider_user_id: `g-${kind.name}-1`, email: user.email });
      assert.equal(link.statusCode, 201, link.body);
      const other = await createUser();
      const dup = await post(`/v1/users/${other.id}/identities`, { provider: 'GoogleOAuth', provider_user_id: `g-${kind.name}-1`, email: other.email });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().error, 'conflict');
      const list = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/identities` })).json();
      assert.deepEqual(list.data.map((i: { id: string }) => i.id), [link.json().id]);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/users/${user.id}/identities/${link.json().id}` })).statusCode, 204);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/users/${user.id}/identities/${link.json().id}` })).statusCode, 404);
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${user.id}/identities` })).json().data.length, 0);
    });

    test('deleting a user releases its identities and codes', async () => {
      const user = await createUser();
      const account = { provider: 'AppleOAuth', provider_user_id: `apple-${kind.name}`, email: user.email };
      assert.equal((await post(`/v1/users/${user.id}/identities`, account)).statusCode, 201);
      assert.equal((await post(`/v1/users/${user.id}/email_verification/send`, {})).statusCode, 200);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/users/${user.id}` })).statusCode, 200);
      assert.equal(await t.store.verifications.find('test', user.id), null);
      const other = await createUser();
      assert.equal((await post(`/v1/users/${other.id}/identities`, { ...account, email: other.email })).statusCode, 201);
    });

    test('email change unlinks identities whose email differs, in the same event', async () => {
      const user = await createUser({ email: `keep-${kind.name}@example.com` });
      const stays = (await post(`/v1/users/${user.id}/identities`, { provider: 'GitHubOAuth', provider_user_id: `gh-${kind.name}`, email: `NEW-${kind.name}@example.com` })).json();
      const goes = (await post(`/v1/users/${user.id}/identities`, { provider: 'GoogleOAuth', provider_user_id: `go-${kind.name}`, email: user.email })).json();
      const res = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { email: `new-${kind.name}@example.com` } });
      assert.equal(res.statusCode, 200);
      const left = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/identities` })).json().data.map((i: { id: string }) => i.id);
      assert.deepEqual(left, [stays.id]);
      const event = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events?limit=1` })).json().data[0];
      assert.deepEqual(event.changes.unlinked_identities.previous.map((i: { id: string }) => i.id), [goes.id]);
      assert.ok(event.changes.email);
    });

    test('no password, hash or code reaches the log', async () => {
      assert.ok(logText.length > 0, 'the flow logged something');
      for (const secret of ['correct horse battery', BCRYPT_U.hash, BCRYPT_U.password, '$argon2id$', 'password_hash":"']) {
        assert.ok(!logText.includes(secret), `log contains ${secret}`);
      }
      for (const mail of smtp.received) {
        const code = /verification code is (\d{6})/.exec(mail.raw.replace(/=\r?\n/g, ''))?.[1];
        if (code) assert.ok(!new RegExp(`\\b${code}\\b`).test(logText.replace(/"(time|responseTime|remotePort|pid)":[\d.]+/g, '')), 'a code is in the log');
      }
    });
  });
}

for (const kind of DATABASES) {
  describe(`email change policy "verify" on ${kind.name}`, () => {
    let t: TestApp;
    let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
    before(async () => {
      smtp = await startSmtpServer();
      t = await startTestApp(kind, { emailChange: 'verify', mailer: createSmtpMailer(smtp.url, 'no-reply@userplane.test') });
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    test('a new email waits in pending_email; code to the new address, notice to the old; confirm moves it', async () => {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'old@example.com', email_verified: true } })).json();
      const mark = smtp.received.length;
      const res = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { email: 'new@example.com' } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().email, 'old@example.com');
      assert.equal(res.json().pending_email, 'new@example.com');
      assert.equal(res.json().email_verified, true);
      const code = codeIn(await smtp.nextTo('new@example.com', mark));
      const notice = await smtp.nextTo('old@example.com', mark);
      assert.match(notice.raw, /being changed/);
      const confirmed = await t.request({ method: 'POST', url: `/v1/users/${user.id}/email_verification/confirm`, payload: { code } });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.equal(confirmed.json().email, 'new@example.com');
      assert.equal(confirmed.json().pending_email, null);
      assert.equal(confirmed.json().email_verified, true);
    });

    test('uniqueness is checked again at confirmation: 409 if the address was taken meanwhile', async () => {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'first@example.com' } })).json();
      const mark = smtp.received.length;
      await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { email: 'wanted@example.com' } });
      const code = codeIn(await smtp.nextTo('wanted@example.com', mark));
      assert.equal((await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'Wanted@example.com' } })).statusCode, 201);
      const res = await t.request({ method: 'POST', url: `/v1/users/${user.id}/email_verification/confirm`, payload: { code } });
      assert.equal(res.statusCode, 409);
      assert.deepEqual(Object.keys(res.json().details), ['email']);
      const still = (await t.request({ method: 'GET', url: `/v1/users/${user.id}` })).json();
      assert.equal(still.email, 'first@example.com');
    });

    test('an admin may still set a verified address directly with email_verified: true', async () => {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'mig-old@example.com' } })).json();
      const res = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { email: 'mig-new@example.com', email_verified: true } });
      assert.equal(res.json().email, 'mig-new@example.com');
      assert.equal(res.json().pending_email, null);
    });
  });
}
