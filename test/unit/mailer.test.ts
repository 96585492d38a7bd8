import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createConsoleMailer, createMailer } from '../../src/mail/mailer.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

function recordingLogger() {
  const lines: string[] = [];
  return { lines, info: (obj: object, msg: string) => lines.push(JSON.stringify({ ...obj, msg })), warn: (obj: object, msg: string) => lines.push(JSON.stringify({ ...obj, msg })) };
}

test('without SMTP the development mailer says so at start-up and prints mail outside the log', async () => {
  const logger = recordingLogger();
  const mailer = createMailer({ smtpUrl: null, mailFrom: null }, logger);
  assert.equal(mailer.kind, 'console');
  assert.match(logger.lines[0]!, /not sent \(development only\)/);
  const out = new PassThrough();
  let printed = '';
  out.on('data', (c: Buffer) => (printed += c));
  await createConsoleMailer(logger, out).send({ to: 'a@example.com', subject: 'Hi', text: 'code 123456' });
  assert.match(printed, /To: a@example.com[\s\S]*code 123456/);
  assert.ok(!logger.lines.join('\n').includes('123456'));
});

test('with SMTP_URL and MAIL_FROM the message reaches a real SMTP server', async () => {
  const smtp = await startSmtpServer();
  const mailer = createMailer({ smtpUrl: smtp.url, mailFrom: 'Userplane <no-reply@userplane.test>' }, recordingLogger());
  assert.equal(mailer.kind, 'smtp');
  await mailer.send({ to: 'b@example.com', subject: 'Hello', text: 'body text' });
  const mail = await smtp.nextTo('b@example.com');
  assert.equal(mail.from, 'no-reply@userplane.test');
  assert.match(mail.raw, /Subject: Hello/);
  mailer.close();
  await smtp.close();
});
