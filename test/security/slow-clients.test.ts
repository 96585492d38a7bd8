/**
 * Issue 12, item 4: a client that trickles its headers or its body is answered 408 or dropped
 * once the request timeout has passed, with or without a key; idle keep-alive sockets are closed.
 * Real sockets to 127.0.0.1; the trickles are bounded in count and time.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app.ts';
import { loadConfig } from '../../src/config.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../helpers/processes.ts';

const TIMEOUT_MS = 500;
/** The trickle gives up after this many bytes (at one per STEP_MS): far beyond the timeout. */
const MAX_BYTES = 150;
const STEP_MS = 100;

interface TrickleResult {
  /** True when the server closed the socket before the trickle ran out. */
  cut: boolean;
  /** Bytes of the trickled part sent before the socket closed. */
  sent: number;
  /** What the server wrote, if anything. */
  response: string;
}

/** Sends `head` at once, then `trickled` one byte every STEP_MS, until the server closes the socket. */
function trickle(port: number, head: string, trickled: string): Promise<TrickleResult> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (cut: boolean) => {
      clearInterval(timer);
      socket.destroy();
      resolve({ cut, sent, response });
    };
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => {}); // a reset is a cut too; 'close' follows
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= Math.min(MAX_BYTES, trickled.length)) return finish(false);
        socket.write(trickled[sent]!);
        sent += 1;
      }, STEP_MS);
    });
  });
}

const statusOf = (response: string) => /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? null;

test('USERPLANE_REQUEST_TIMEOUT_MS defaults to 30 s and keep-alive idle to 5 s (Node\'s default)', () => {
  const config = loadConfig({});
  assert.equal(config.httpEdge.requestTimeoutMs, 30_000);
  assert.equal(config.httpEdge.keepAliveTimeoutMs, 5_000);
  assert.equal(loadConfig({ USERPLANE_REQUEST_TIMEOUT_MS: '2500' }).httpEdge.requestTimeoutMs, 2500);
  assert.throws(() => loadConfig({ USERPLANE_REQUEST_TIMEOUT_MS: 'soon' }), /USERPLANE_REQUEST_TIMEOUT_MS/);
});

describe('slow and idle clients', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await startTestApp(DATABASES[0]!, { edge: { requestTimeoutMs: TIMEOUT_MS, keepAliveTimeoutMs: 300 } });
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(address).port);
  });
  after(() => t.close());

  const body = JSON.stringify({ first_name: 'x'.repeat(MAX_BYTES * 2) });
  const head = (authorization: string | null) =>
    'PATCH /v1/users/usr_01jc00000000000000000000 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
    (authorization ? `Authorization: ${authorization}\r\n` : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;

  test('a trickled body with a valid key is answered 408 and dropped', async () => {
    const result = await trickle(port, head(`Bearer ${TEST_ADMIN_KEY}`), body);
    assert.ok(result.cut, `the server was still reading after ${result.sent} bytes`);
    assert.equal(statusOf(result.response), '408', result.response);
  });

  test('a trickled body without a key, or with a wrong one, is dropped too', async () => {
    for (const authorization of [null, 'Bearer sk_test_not_a_real_key_000000000']) {
      const result = await trickle(port, head(authorization), body);
      assert.ok(result.cut, `the server was still reading after ${result.sent} bytes`);
      // Authentication may answer 401 before the body is read; the socket is closed all the same.
      assert.ok(['408', '401', null].includes(statusOf(result.response)), result.response);
    }
  });

  test('trickled headers are answered 408 and dropped', async () => {
    const headers = 'X-Slow: ' + 'a'.repeat(MAX_BYTES) + '\r\n\r\n';
    const result = await trickle(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', headers);
    assert.ok(result.cut, `the server was still reading after ${result.sent} bytes`);
    assert.ok(['408', null].includes(statusOf(result.response)), result.response);
  });

  test('an idle keep-alive connection is closed', async () => {
    const closed = await new Promise<{ closed: boolean; response: string }>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let response = '';
      const deadline = setTimeout(() => {
        socket.destroy();
        resolve({ closed: false, response });
      }, 15_000);
      socket.on('data', (chunk) => (response += chunk.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(deadline);
        resolve({ closed: true, response });
      });
      socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    });
    assert.equal(statusOf(closed.response), '200', closed.response);
    assert.ok(closed.closed, 'the idle keep-alive socket was still open after 15 s');
  });
});

test('`serve --workers 2` applies USERPLANE_REQUEST_TIMEOUT_MS in every worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'userplane-slow-'));
  const serve = startServe(
    { DATABASE_URL: `sqlite:${join(dir, 'db')}`, USERPLANE_ADMIN_KEYS: TEST_ADMIN_KEY, USERPLANE_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), USERPLANE_WEBHOOK_WORKER: 'off' },
    ['--workers', '2'],
  );
  try {
    const port = Number(new URL(await serve.ready).port);
    const body = '{"first_name": "' + 'x'.repeat(MAX_BYTES) + '"}';
    // Two connections, so that (round-robin permitting) both workers are tried.
    const results = await Promise.all([0, 1].map(() => trickle(port, `PATCH /v1/users/usr_x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body)));
    for (const result of results) {
      assert.ok(result.cut, `the server was still reading after ${result.sent} bytes`);
      assert.equal(statusOf(result.response), '408', result.response);
    }
  } finally {
    serve.child.kill('SIGTERM');
    await serve.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
