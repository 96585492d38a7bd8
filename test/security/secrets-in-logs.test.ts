/**
 * Issue 5, secrets hygiene: a whole session through every door, logged at trace level, and not
 * one key, password, hash or verification code in any log line.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { MailMessage } from '../../src/mail/mailer.ts';
import { DATABASES } from '../helpers/databases.ts';
import { LIVE_ADMIN_KEY, TEST_ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app.ts';

describe('no secret reaches the log', () => {
  let t: TestApp;
  let log = '';
  const mail: MailMessage[] = [];
  const secrets = new Set<string>([TEST_ADMIN_KEY, LIVE_ADMIN_KEY]);
  before(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => (log += chunk.toString()));
    t = await startTestApp(DATABASES[0]!, { logStream: stream, logLevel: 'trace', mailer: { kind: 'console', send: async (m) => void mail.push(m), close() {} } });
  });
  after(() => t.close());

  test('keys, passwords, hashes and codes used across the doors never appear', async () => {
    const call = (method: string, url: string, payload?: object, key: string | null = TEST_ADMIN_KEY, headers: Record<string, string> = {}) =>
      t.request({ method: method as 'POST', url, payload, key, headers });

    const created = (await call('POST', '/v1/api_keys', { name: 'app', scopes: ['read', 'write'] })).json();
    secrets.add(created.secret);
    const publishable = (await call('POST', '/v1/api_keys', { name: 'web', type: 'publishable' })).json();
    secrets.add(publishable.secret);
    const user = (await call('POST', '/v1/users', { email: 'secret-keeper@example.com', external_id: 'keeper-1' }, created.secret)).json();

    const password = 'Tr0ub4dor&3-horse-battery';
    secrets.add(password);
    await call('POST', `/v1/users/${user.id}/password`, { password }, created.secret);
    await call('POST', `/v1/users/${user.id}/password/verify`, { password }, created.secret);
    await call('POST', `/v1/users/${user.id}/password/verify`, { password: 'wrong-guess-1234' }, created.secret);
    const bcrypt = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
    secrets.add(bcrypt);
    await call('POST', `/v1/users/${user.id}/password`, { password_hash: bcrypt, password_hash_type: 'bcrypt' });
    await call('POST', `/v1/users/${user.id}/password`, { password_hash: '$2b$99$broken-hash-value', password_hash_type: 'bcrypt' });
    secrets.add('$2b$99$broken-hash-value');
    await call('PUT', `/user_management/users/${user.id}`, { password: 'another-Secret-pw-77' });
    secrets.add('another-Secret-pw-77');

    await call('POST', `/v1/users/${user.id}/email_verification/send`, {});
    const code = /(\d{6})/.exec(mail.at(-1)!.text)![1]!;
    secrets.add(code);
    await call('POST', `/v1/users/${user.id}/email_verification/confirm`, { code: code === '000000' ? '111111' : '000000' });
    await call('POST', `/v1/users/${user.id}/email_verification/confirm`, { code });

    await call('GET', `/proficient/users/${user.id}`, undefined, publishable.secret, { 'x-user-external-id': 'keeper-1' });
    await call('PUT', `/stateset/v1/users/${user.id}`, { title: 'Keeper' }, null, { authorization: `Token ${created.secret}` });
    await call('GET', '/klaim/users/keeper-1', undefined, created.secret);
    const wrongKey = 'sk_test_this_is_not_a_real_key_123';
    secrets.add(wrongKey);
    await call('GET', '/v1/users', undefined, wrongKey);
    await call('DELETE', `/v1/api_keys/${created.id}`);
    await call('GET', '/v1/users', undefined, created.secret);

    assert.ok(log.split('\n').length > 20, 'the session was logged');
    for (const secret of secrets) assert.ok(!log.includes(secret), `the log contains ${secret.slice(0, 6)}…`);
    // Nor any stored hash of ours.
    assert.doesNotMatch(log, /\$argon2id\$|\$2[aby]\$\d\d\$/);
  });
});
