/** A listening Userplane with the official WorkOS SDK pointed at it, for the WorkOS door's suites. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import type { MailMessage } from '../../src/mail/mailer.ts';
import type { RequestContext } from '../../src/services/index.ts';
import type { DatabaseKind } from '../helpers/databases.ts';
import { startTestApp, TEST_ADMIN_KEY, type TestApp, type TestAppOptions } from '../helpers/app.ts';

export interface SdkApp {
  t: TestApp;
  /** The SDK as an application would make it: default retries. */
  workos: WorkOS;
  /** The same without retries, for calls that provoke 429 or 5xx. */
  noRetry: WorkOS;
  baseUrl: string;
  /** Mail the server sent, newest last. */
  mail: MailMessage[];
  /** A context for calling the services directly (fixtures), as the /v1 door would. */
  ctx: RequestContext;
  /** The 6-digit code of the newest mail to this address. */
  codeFor(email: string): string;
  /** A raw request to the server with the admin key (unless key is null). */
  fetch(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startSdkApp(kind: DatabaseKind, options: TestAppOptions = {}): Promise<SdkApp> {
  const mail: MailMessage[] = [];
  const t = await startTestApp(kind, {
    ...options,
    mailer: { kind: 'console', send: async (message) => void mail.push(message), close() {} },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  const sdk = (maxRetries?: number) => new WorkOS(TEST_ADMIN_KEY, { apiHostname: '127.0.0.1', port, https: false, ...(maxRetries === undefined ? {} : { maxRetries }) });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    t,
    workos: sdk(),
    noRetry: sdk(0),
    baseUrl,
    mail,
    ctx: { environment: 'test', actor: 'fixture', door: 'v1', requestId: null },
    codeFor(email) {
      const message = mail.filter((m) => m.to === email).at(-1);
      assert.ok(message, `no mail to ${email}`);
      const code = /\b(\d{6})\b/.exec(message.text)?.[1];
      assert.ok(code, `no code in: ${message.text}`);
      return code;
    },
    fetch(path, { key = TEST_ADMIN_KEY, json, headers, ...init } = {}) {
      const merged = new Headers(headers);
      if (key !== null) merged.set('authorization', `Bearer ${key}`);
      if (json !== undefined) merged.set('content-type', 'application/json');
      return fetch(`${baseUrl}${path}`, { ...init, headers: merged, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    },
    close: () => t.close(),
  };
}

/**
 * The set-up every WorkOS suite shares: an SdkApp started before the describe's tests and closed
 * after them. The object is returned at once and filled in by before(), so tests can name it.
 */
export function useSdkApp(kind: DatabaseKind, options: TestAppOptions = {}): SdkApp {
  const s = {} as SdkApp;
  before(async () => void Object.assign(s, await startSdkApp(kind, options)));
  after(() => s.close());
  return s;
}

/** Addresses no other test of the suite uses: `email('tag')` is tag-1@example.com, then tag-2@…; `email.count` is the last number given. */
export function numberedEmails(): { (tag: string): string; count: number } {
  const email = (tag: string) => `${tag}-${++email.count}@example.com`;
  email.count = 0;
  return email;
}

/** Asserts that `work` rejects with the SDK's exception class, a request id, and what `check` wants. */
export async function rejectsWith<E extends Error>(
  work: Promise<unknown>,
  type: new (...args: never[]) => E,
  check: (error: E) => void = () => {},
): Promise<E> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    const requestID = (error as unknown as { requestID?: string }).requestID;
    assert.ok(typeof requestID === 'string' && requestID.length > 0, 'requestID is set');
    check(error);
    return error;
  }
  assert.fail(`expected ${type.name}, but the call succeeded`);
}
