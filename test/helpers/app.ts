/** A Userplane server on a fresh database, with known admin keys, for HTTP tests. */
import { after, before } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import type { Store } from '../../src/store/contract.ts';
import { openStore } from '../../src/store/kysely-store.ts';
import type { Clock } from '../../src/services/context.ts';
import type { EndpointPolicy } from '../../src/services/webhook-service.ts';
import type { Mailer } from '../../src/mail/mailer.ts';
import { DEFAULT_PRIVACY, type HttpEdgeConfig, type OAuthConfig, type PasswordConfig, type PrivacyConfig, type RateLimitConfig } from '../../src/config.ts';
import type { DatabaseKind, TestDatabase } from './databases.ts';
import type { ConnectionOptions } from '../../src/store/connection.ts';
import type { SweeperOptions } from '../../src/services/sweeper.ts';

export const TEST_ADMIN_KEY = 'sk_test_admin_key_for_tests_0001';
export const LIVE_ADMIN_KEY = 'sk_live_admin_key_for_tests_0001';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  store: Store;
  /** The database's URL, for a second connection to it. */
  databaseUrl: string;
  /** inject() with the test admin key and JSON content type unless overridden. */
  request(options: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  /** Creates a key of the test environment with these scopes and returns its secret. */
  key(scopes: Array<'read' | 'write' | 'admin'>, environment?: 'test' | 'live'): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  roles?: string[];
  emailChange?: 'direct' | 'verify';
  clock?: Clock;
  logStream?: NodeJS.WritableStream;
  /** With logStream: the level to log at (info by default). */
  logLevel?: 'info' | 'debug' | 'trace';
  mailer?: Mailer;
  oauth?: OAuthConfig;
  rateLimit?: RateLimitConfig | null;
  redisUrl?: string | null;
  /** Password hashing settings (ceilings, queue, failure limit); the defaults otherwise. */
  passwords?: Partial<PasswordConfig>;
  /** Webhook endpoint rules; private networks are allowed unless this says otherwise (receivers listen on 127.0.0.1). */
  webhookLimits?: EndpointPolicy;
  /** Issue 12's HTTP edge: timeouts, per-address limits, /metrics access, CORS. */
  edge?: Partial<HttpEdgeConfig>;
  /** The clean-up sweeps' timing (src/services/sweeper.ts). */
  sweeps?: SweeperOptions;
  /** Passed to openStore (e.g. SQLite's lockTimeoutMs). */
  storeOptions?: ConnectionOptions;
  /** The body limit of POST /v1/users/batch (USERPLANE_BATCH_BODY_LIMIT); the default otherwise. */
  batchBodyLimit?: number;
  /** Issue 16: erasure policy and retention periods; the defaults otherwise. */
  privacy?: Partial<PrivacyConfig>;
}

/**
 * A describe's server: started before its tests on a fresh database, closed after them. The object
 * is returned at once and filled in by before(), so the tests can name it.
 */
export function useTestApp(kind: DatabaseKind, options: TestAppOptions = {}): TestApp {
  const t = {} as TestApp;
  before(async () => void Object.assign(t, await startTestApp(kind, options)));
  after(() => t.close());
  return t;
}

/** useTestApp on a real port, for races and clients that need sockets; `base` is its URL. */
export function useListeningApp(kind: DatabaseKind, options: TestAppOptions = {}): TestApp & { base: string } {
  const t = {} as TestApp & { base: string };
  before(async () => {
    Object.assign(t, await startTestApp(kind, options));
    t.base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => t.close());
  return t;
}

export async function startTestApp(kind: DatabaseKind, options: TestAppOptions = {}): Promise<TestApp> {
  const database: TestDatabase = await kind.createMigrated();
  const store = await openStore(database.url, options.storeOptions);
  const services = createServices(
    store,
    {
      roles: options.roles ?? [],
      emailChange: options.emailChange ?? 'direct',
      adminKeys: [TEST_ADMIN_KEY, LIVE_ADMIN_KEY],
      oauth: options.oauth ?? null,
      passwords: options.passwords,
      webhookLimits: { allowPrivateNetworks: true, ...options.webhookLimits },
      privacy: { ...DEFAULT_PRIVACY, ...options.privacy },
    },
    { clock: options.clock, mailer: options.mailer, log: () => {} },
  );
  const app = await buildServer({
    services,
    logLevel: options.logStream ? (options.logLevel ?? 'info') : 'silent',
    logStream: options.logStream,
    rateLimit: options.rateLimit ?? null,
    batchBodyLimit: options.batchBodyLimit,
    redisUrl: options.redisUrl ?? null,
    edge: options.edge,
    sweeps: options.sweeps,
    retention: { ...DEFAULT_PRIVACY, ...options.privacy },
  });
  await app.ready();
  return {
    app,
    services,
    store,
    databaseUrl: database.url,
    request({ key = TEST_ADMIN_KEY, headers, ...rest }) {
      const merged: Record<string, string> = { ...(headers as Record<string, string>) };
      if (key !== null) merged.authorization ??= `Bearer ${key}`;
      if (rest.payload !== undefined && typeof rest.payload === 'object') merged['content-type'] ??= 'application/json';
      return app.inject({ ...rest, headers: merged });
    },
    async key(scopes, environment = 'test') {
      const { secret } = await services.apiKeys.create({ environment, actor: 'test', door: 'v1', requestId: null }, { name: 'test', scopes, type: 'secret' });
      return secret;
    },
    async close() {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
}
