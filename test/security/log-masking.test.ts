/**
 * Issue 16, item 6: no personal data in request logs by default. The values of email, username,
 * external_id and q in query strings, and WorkOS's external_id path, are masked at info level and
 * shown at debug, both with the server's own logger and with a logger handed in (the CLI's).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { MASK, maskUrl, withMaskedRequests } from '../../src/http/log-masking.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/wait.ts';

const SECRET = 'alice.private';

const REQUESTS = [
  `/v1/users?email=${SECRET}%40example.com&limit=5`,
  `/v1/users?username=${SECRET}`,
  `/v1/users?external_id=${SECRET}&limit=2`,
  `/v1/users?q=${SECRET}`,
  `/user_management/users?email=${SECRET}@example.com`,
  `/user_management/users/external_id/${SECRET}`,
];

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
  });
  return { stream, lines };
}

/** The logged request URLs, once every request's "incoming request" line is in. */
async function loggedUrls(t: TestApp, lines: string[]): Promise<string[]> {
  for (const url of REQUESTS) await t.request({ method: 'GET', url });
  const urls = () => lines.map((line) => JSON.parse(line) as { req?: { url?: string } }).flatMap((entry) => (entry.req?.url ? [entry.req.url] : []));
  await waitUntil(() => urls().length >= REQUESTS.length, () => `${REQUESTS.length} request lines; got ${urls().length}`);
  return urls();
}

for (const kind of DATABASES) {
  describe(`request log masking on ${kind.name}`, () => {
    test('at info: every identifier value is masked, the rest of the URL is kept', async () => {
      const { stream, lines } = capture();
      const t = await startTestApp(kind, { logStream: stream, logLevel: 'info' });
      try {
        const urls = await loggedUrls(t, lines);
        assert.ok(!lines.join('\n').includes(SECRET), `a personal value reached the log:\n${lines.filter((l) => l.includes(SECRET)).join('\n')}`);
        assert.deepEqual(urls, [
          `/v1/users?email=${MASK}&limit=5`,
          `/v1/users?username=${MASK}`,
          `/v1/users?external_id=${MASK}&limit=2`,
          `/v1/users?q=${MASK}`,
          `/user_management/users?email=${MASK}`,
          `/user_management/users/external_id/${MASK}`,
        ]);
      } finally {
        await t.close();
      }
    });

    test('at debug: the URLs are logged as sent', async () => {
      const { stream, lines } = capture();
      const t = await startTestApp(kind, { logStream: stream, logLevel: 'debug' });
      try {
        assert.deepEqual(await loggedUrls(t, lines), REQUESTS);
      } finally {
        await t.close();
      }
    });
  });
}

describe('masking with a logger handed in (the CLI shares one with the services)', () => {
  test('info masks, debug shows', async () => {
    for (const [level, expected] of [
      ['info', `/user_management/users/external_id/${MASK}?q=${MASK}`],
      ['debug', `/user_management/users/external_id/${SECRET}?q=${SECRET}`],
    ] as const) {
      const { stream, lines } = capture();
      const logger = withMaskedRequests(pino({ level }, stream));
      logger.info({ req: { method: 'GET', url: `/user_management/users/external_id/${SECRET}?q=${SECRET}`, host: 'h', ip: '127.0.0.1' } }, 'incoming request');
      await waitUntil(() => lines.length > 0, `a ${level} line`);
      assert.equal(JSON.parse(lines[0]!).req.url, expected, level);
    }
  });

  test('maskUrl: bracketed and encoded names, repeated parameters, other parameters untouched', () => {
    assert.equal(maskUrl('/v1/users?e%6Dail=a%40b.c&email[]=x&email%5B%5D=y&emailish=keep&limit=1'), `/v1/users?e%6Dail=${MASK}&email[]=${MASK}&email%5B%5D=${MASK}&emailish=keep&limit=1`);
    assert.equal(maskUrl('/v1/users'), '/v1/users');
    assert.equal(maskUrl('/v1/users?q'), '/v1/users?q');
    assert.equal(maskUrl('/v1/users?%E0%A4%A=1&q=x'), `/v1/users?%E0%A4%A=1&q=${MASK}`);
  });
});
