/**
 * Issue 12, item 8: under USERPLANE_EMAIL_CHANGE=verify an email change is no way to send mail
 * without limit, to reset a code's wrong attempts, or (without admin) to skip verification.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Mailer, MailMessage } from '../../src/mail/mailer.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp, useTestApp } from '../helpers/app.ts';
import { userMaker } from '../helpers/users.ts';

function memoryMailer() {
  const sent: MailMessage[] = [];
  const mailer: Mailer = { kind: 'console', send: async (message) => void sent.push(message), close: () => {} };
  /** The code of the latest mail to `to`. */
  const codeTo = (to: string) => {
    const mail = sent.filter((m) => m.to === to).at(-1);
    assert.ok(mail, `a mail went to ${to}`);
    return /\b(\d{6})\b/.exec(mail.text)![1]!;
  };
  return { sent, mailer, codeTo };
}

for (const kind of DATABASES) {
  describe(`email changes under the verify policy on ${kind.name}`, () => {
    let t: TestApp;
    let mail: ReturnType<typeof memoryMailer>;
    before(async () => {
      mail = memoryMailer();
      t = await startTestApp(kind, { emailChange: 'verify', mailer: mail.mailer });
    });
    after(() => t.close());

    const newUser = userMaker<{ id: string; email: string }>(() => t, (n) => ({ email: `limits${n}-${kind.name}@example.com`, email_verified: true }));
    const patch = (id: string, payload: object, key?: string) => t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload, ...(key ? { key } : {}) });
    const send = (id: string) => t.request({ method: 'POST', url: `/v1/users/${id}/email_verification/send`, payload: {} });
    const confirm = (id: string, code: string) => t.request({ method: 'POST', url: `/v1/users/${id}/email_verification/confirm`, payload: { code } });

    test('email changes count against the send limit: the sixth code mail in an hour is a 429, and nothing is written', async () => {
      const user = await newUser();
      for (let i = 1; i <= 5; i++) {
        const res = await patch(user.id, { email: `flood${i}-${user.id}@example.com` });
        assert.equal(res.statusCode, 200, res.body);
      }
      const mailsBefore = mail.sent.length;
      const sixth = await patch(user.id, { email: `flood6-${user.id}@example.com` });
      assert.equal(sixth.statusCode, 429, sixth.body);
      assert.equal(sixth.json().error, 'rate_limited');
      assert.ok(Number(sixth.headers['retry-after']) > 0);
      assert.equal(mail.sent.length, mailsBefore, 'no mail went out');
      const stored = (await t.request({ method: 'GET', url: `/v1/users/${user.id}` })).json();
      assert.equal(stored.pending_email, `flood5-${user.id}@example.com`);
      // The send endpoint shares the one budget.
      assert.equal((await send(user.id)).statusCode, 429);
    });

    test('sends and changes share one budget the other way round too', async () => {
      const user = await newUser();
      assert.equal((await patch(user.id, { email: `mixed-${user.id}@example.com` })).statusCode, 200);
      for (let i = 0; i < 4; i++) assert.equal((await send(user.id)).statusCode, 200);
      const res = await patch(user.id, { email: `mixed2-${user.id}@example.com` });
      assert.equal(res.statusCode, 429, res.body);
    });

    test("a new PATCH does not reset the wrong attempts of the user's code", async () => {
      const user = await newUser();
      const first = `guess-${user.id}@example.com`;
      assert.equal((await patch(user.id, { email: first })).statusCode, 200);
      const right = mail.codeTo(first);
      const wrong = right === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) assert.equal((await confirm(user.id, wrong)).json().error, 'verification_code_incorrect');
      assert.equal((await confirm(user.id, wrong)).json().error, 'verification_attempts_exceeded');
      const second = `guess2-${user.id}@example.com`;
      assert.equal((await patch(user.id, { email: second })).statusCode, 200);
      const res = await confirm(user.id, mail.codeTo(second));
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error, 'verification_attempts_exceeded');
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${user.id}` })).json().email, user.email);
      // The send endpoint (rate-limited) is the way to a fresh code.
      assert.equal((await send(user.id)).statusCode, 200);
      const confirmed = await confirm(user.id, mail.codeTo(second));
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.equal(confirmed.json().email, second);
    });

    test('a new email with email_verified: true needs the admin scope (403 with write), and nothing is written', async () => {
      const user = await newUser();
      const writer = await t.key(['write']);
      const target = `direct-${user.id}@example.com`;
      const denied = await patch(user.id, { email: target, email_verified: true }, writer);
      assert.equal(denied.statusCode, 403, denied.body);
      assert.equal(denied.json().error, 'forbidden');
      assert.match(denied.json().message, /admin/);
      const stored = (await t.request({ method: 'GET', url: `/v1/users/${user.id}` })).json();
      assert.equal(stored.email, user.email);
      assert.equal(stored.version, 1);
      // The WorkOS door goes through the same rule.
      const workos = await t.request({ method: 'PUT', url: `/user_management/users/${user.id}`, payload: { email: target, email_verified: true }, key: writer });
      assert.equal(workos.statusCode, 403, workos.body);
      // Without email_verified the write key may change the address the verified way; admin may do both.
      assert.equal((await patch(user.id, { email: target }, writer)).json().pending_email, target);
      const admin = await patch(user.id, { email: target, email_verified: true });
      assert.equal(admin.statusCode, 200, admin.body);
      assert.equal(admin.json().email, target);
      assert.equal(admin.json().email_verified, true);
    });
  });
}

describe('under the direct policy nothing changes', () => {
  const t = useTestApp(DATABASES[0]!, { emailChange: 'direct' });

  test('a write key may set a new email as verified', async () => {
    const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'direct@example.com' } })).json();
    const writer = await t.key(['write']);
    const res = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { email: 'direct2@example.com', email_verified: true }, key: writer });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().email_verified, true);
  });
});
