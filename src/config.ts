/**
 * The configuration: built once at start-up from environment variables and command-line flags
 * (flags win), validated, and failing fast with a message that names every bad value.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { CEILING_SPECS, type HashCeilings } from './services/password-hashing/ceilings.ts';
import ipaddr from 'ipaddr.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /** Most connections each process opens to PostgreSQL (ignored on SQLite). */
  databasePoolSize: number;
  /** PostgreSQL cancels a statement running longer than this; 0 leaves the server's setting alone. */
  databaseStatementTimeoutMs: number;
  /** PostgreSQL: the hot queries run as named prepared statements; off behind poolers that cannot keep them. */
  databasePreparedStatements: boolean;
  /** On SIGTERM, how long in-flight requests may take to finish before the process gives up and exits 1. */
  shutdownTimeoutMs: number;
  /** HTTP worker processes of `serve` (node:cluster); null: one per CPU on PostgreSQL, one on SQLite. */
  workers: number | null;
  /** Secret keys accepted as admin keys of the environment their prefix names. */
  adminKeys: string[];
  /** Allowed roles; empty means any well-formed role. */
  roles: string[];
  logLevel: LogLevel;
  emailChange: 'direct' | 'verify';
  /** smtp://user:pass@host:port; with mailFrom, mail is sent. Without, it is printed (development). */
  smtpUrl: string | null;
  mailFrom: string | null;
  /** Requests per credential per window, by the credential's highest scope; null turns limits off. */
  rateLimit: RateLimitConfig | null;
  /** redis://… shares rate-limit budgets between nodes; unset keeps them in memory. */
  redisUrl: string | null;
  /** Bearer JWTs from an OAuth 2.0 issuer, verified against its JWKS; null when not configured. */
  oauth: OAuthConfig | null;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** The webhook delivery worker (issue 6). */
  webhooks: WebhookConfig;
  /** End users behind publishable keys (issue 12, item 6). */
  endUsers: EndUserConfig;
  /** Password hashing: cost ceilings, the hashing queue, the failed-verify limit (issue 12, item 2). */
  passwords: PasswordConfig;
  /** What hostile webhook endpoints cannot do (issue 12): reach inside the network, hog delivery. */
  webhookLimits: WebhookLimitsConfig;
  /** Timeouts, per-address limits, /metrics access and CORS: the HTTP edge facing hostile callers (issue 12). */
  httpEdge: HttpEdgeConfig;
  /** Reaching the database at start-up (issue 13). */
  connect: ConnectConfig;
  /** SQLite's file lock (issue 13): waited for without blocking, for at most this long. */
  sqliteLock: { timeoutMs: number };
  /** POST /v1/users/batch (issue 15): its own body limit, since 1,000 users with hashes outgrow bodyLimit. */
  batch: BatchConfig;
  /** Issue 16: what a delete erases, and how long events and deliveries are kept. */
  privacy: PrivacyConfig;
}

export interface PrivacyConfig {
  /** USERPLANE_DELETED_USER_HISTORY: redact (default) erases a deleted user's values from its events. */
  deletedUserHistory: 'redact' | 'keep';
  /** USERPLANE_EVENT_RETENTION_DAYS: events older than this are deleted; 0 keeps them for ever. */
  eventRetentionDays: number;
  /** USERPLANE_DELIVERY_RETENTION_DAYS: finished webhook deliveries (and attempts) older than this go; 0 keeps them. */
  deliveryRetentionDays: number;
}

export interface BatchConfig {
  /** Largest accepted body of POST /v1/users/batch, in bytes. */
  bodyLimit: number;
}

export const DEFAULT_BATCH_BODY_LIMIT = 16 * 1024 * 1024;

export interface EndUserConfig {
  /** Longest lifetime (exp - iat) of an X-User-Token proving an end user; tokens must carry iat. */
  proofTokenMaxLifetimeSeconds: number;
  /** USERPLANE_PUBLISHABLE_KEY_RATE_LIMIT: a publishable key's whole budget; null: 10 times one end user's. */
  keyRateLimit: RateWindow | null;
}

export interface PasswordConfig {
  /** Imported hashes costlier than these are refused with a 400 naming the limit. */
  ceilings: HashCeilings;
  /** Hashes and verifies running at once in this process. */
  concurrency: number;
  /** A hash or verify that waited longer than this for its turn fails with 503 unavailable. */
  queueTimeoutMs: number;
  /** Hashes and verifies waiting at most; more fail at once with 503. */
  queueLength: number;
  /** Failed verifies per user per sliding window; null: no limit. */
  failures: RateWindow | null;
  /** The password migration hook (issue 15): null unless USERPLANE_PASSWORD_MIGRATION_URL is set. */
  migration?: PasswordMigrationConfig | null;
}

/** USERPLANE_PASSWORD_MIGRATION_*: the hook asked about marked users' passwords (issue 15, item 5). */
export interface PasswordMigrationConfig {
  /** Where the hook listens (http or https). */
  url: string;
  /** whsec_<base64>: the key of the signature, as webhook endpoints have. */
  secret: string;
  /** An answer must arrive within this long, else the verify is a 503. */
  timeoutMs: number;
}

export interface WebhookLimitsConfig {
  /** Let endpoints reach loopback, private, link-local… addresses: for development and tests only. */
  allowPrivateNetworks: boolean;
  /** Endpoints per environment. */
  maxEndpoints: number;
  /** Deliveries in flight to one endpoint at once, across the workers. */
  endpointConcurrency: number;
}

export interface HttpEdgeConfig {
  /** Receiving a whole request (headers and body) may take this long; then 408 and the socket is closed. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Requests without a credential, and (counted apart) failed authentications, per client address; null: off. */
  publicRateLimit: RateWindow | null;
  /** Fastify's trustProxy: whose X-Forwarded-For to believe for the client address. */
  trustProxy: boolean | number | string[];
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** When set, /metrics is served on this port only, not on PORT. */
  metricsPort: number | null;
  /** Browser origins allowed to call the publishable-key endpoints (CORS); empty: none. */
  corsOrigins: string[];
}

export interface ConnectConfig {
  /** How long opening a PostgreSQL connection may take before start-up fails naming host and port. */
  timeoutMs: number;
}

export interface WebhookConfig {
  /** Run the worker inside `serve`; off when it runs only as `userplane worker`. */
  workerInServe: boolean;
  /** How often an idle worker looks for due deliveries. */
  pollMs: number;
  /** Per attempt, response body included. */
  timeoutMs: number;
  /** How long a claim holds; must outlast an attempt, or another worker sends it again meanwhile. */
  leaseMs: number;
  retryBaseMs: number;
  retryWindowMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
}

export interface RateWindow {
  max: number;
  windowMs: number;
}

export interface RateLimitConfig {
  read: RateWindow;
  write: RateWindow;
  admin: RateWindow;
  /**
   * A publishable key's budget as a whole, beside each of its end users' own (the read budget).
   * Absent: ten times the read budget, in the read window.
   */
  publishableKey?: RateWindow;
}

export interface OAuthConfig {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The claim naming the environment (live|test); tokens without it act in `test`. */
  environmentClaim: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  /** Least time between two fetches of the key set (default 30 s); tests shorten it. */
  jwksCooldownMs?: number;
  /** OAUTH_MAX_TOKEN_LIFETIME_SECONDS: tokens must carry iat, and exp - iat may not exceed this; null: no limit. */
  maxTokenLifetimeSeconds?: number | null;
}

export const DEFAULT_RATE_LIMIT = '1000/10s';
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** One window, `100/10s` (ms, s, m or h; the number of units may be left out: `100/s`), or null when malformed. */
export function parseWindow(text: string): RateWindow | null {
  const match = /^(\d+)\/(\d*)(ms|s|m|h)$/.exec(text.trim());
  if (!match || Number(match[1]) < 1 || match[2] === '0') return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[3] as 'ms' | 's' | 'm' | 'h'];
  return { max: Number(match[1]), windowMs: Number(match[2] || '1') * unit };
}

/** `100/10s` for every scope, or per scope: `read=1000/10s,write=100/10s,admin=50/10s`; `off` disables. */
export function parseRateLimit(text: string): RateLimitConfig | null | string {
  if (text === 'off') return null;
  const single = parseWindow(text);
  if (single) return { read: single, write: single, admin: single };
  const result: Partial<RateLimitConfig> = {};
  for (const entry of text.split(',')) {
    const [scope, spec] = entry.split('=');
    const parsed = spec ? parseWindow(spec) : null;
    if (!parsed || !['read', 'write', 'admin'].includes(scope?.trim() ?? '')) return 'must look like 100/10s or read=1000/10s,write=100/10s (or off)';
    result[scope!.trim() as keyof RateLimitConfig] = parsed;
  }
  const fallback = result.write ?? result.read ?? result.admin!;
  return { read: result.read ?? fallback, write: result.write ?? fallback, admin: result.admin ?? result.write ?? fallback };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'database-url': { type: 'string' },
  'log-level': { type: 'string' },
  workers: { type: 'string' },
} as const;

export const DEFAULT_DATABASE_URL = 'sqlite:./data/userplane.db';
const MAX_WORKERS = 256;
const ADMIN_KEY = /^sk_(live|test)_[A-Za-z0-9_-]{16,}$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Config {
  const { values: flags } = parseArgs({ args: argv, options: FLAGS, strict: false, allowPositionals: true });
  const read = (flag: keyof typeof FLAGS, name: string): string | undefined => {
    const value = flags[flag] ?? env[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const problems: string[] = [];

  const portText = read('port', 'PORT') ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) problems.push(`PORT must be a number from 0 to 65535, got "${portText}"`);

  const databaseUrl = read('database-url', 'DATABASE_URL') ?? DEFAULT_DATABASE_URL;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    problems.push(`DATABASE_URL must be sqlite:<path> or postgres://…, got "${redactUrl(databaseUrl)}"`);
  }

  const poolSize = wholeNumber(env, problems, 'DATABASE_POOL_SIZE', 10, 1, 200);
  const statementTimeoutMs = wholeNumber(env, problems, 'DATABASE_STATEMENT_TIMEOUT_MS', 0, 0, 3_600_000);
  const shutdownTimeoutMs = wholeNumber(env, problems, 'USERPLANE_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000);
  const preparedText = env.DATABASE_PREPARED_STATEMENTS?.trim().toLowerCase() || 'on';
  if (preparedText !== 'on' && preparedText !== 'off') problems.push(`DATABASE_PREPARED_STATEMENTS must be "on" or "off", got "${env.DATABASE_PREPARED_STATEMENTS}"`);

  const workersText = read('workers', 'USERPLANE_WORKERS') ?? 'auto';
  const workers = workersText === 'auto' ? null : Number(workersText);
  if (workers !== null && (!/^\d+$/.test(workersText) || workers < 1 || workers > MAX_WORKERS)) {
    problems.push(`USERPLANE_WORKERS (--workers) must be "auto" or a whole number from 1 to ${MAX_WORKERS}, got "${workersText}"`);
  }
  if (workers !== null && workers > 1 && /^sqlite::memory:$/.test(databaseUrl)) {
    problems.push('--workers above 1 needs a database file or PostgreSQL: each process would get its own in-memory SQLite database');
  }

  const adminKeys = list(env.USERPLANE_ADMIN_KEYS);
  adminKeys.forEach((key, index) => {
    if (!ADMIN_KEY.test(key)) {
      problems.push(`USERPLANE_ADMIN_KEYS entry ${index + 1} must look like sk_live_… or sk_test_… with at least 16 characters after the prefix`);
    }
  });

  const roles = list(env.USERPLANE_ROLES);
  for (const role of roles) {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(role)) problems.push(`USERPLANE_ROLES: "${role}" must be 1 to 64 letters, digits or "_.:-"`);
  }

  const logLevel = (read('log-level', 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const emailChange = (env.USERPLANE_EMAIL_CHANGE?.trim() || 'direct') as Config['emailChange'];
  if (emailChange !== 'direct' && emailChange !== 'verify') {
    problems.push(`USERPLANE_EMAIL_CHANGE must be "direct" or "verify", got "${emailChange}"`);
  }

  const smtpUrl = env.SMTP_URL?.trim() || null;
  const mailFrom = env.MAIL_FROM?.trim() || null;
  if (smtpUrl && !/^smtps?:\/\/.+/.test(smtpUrl)) problems.push(`SMTP_URL must look like smtp://host:port or smtps://user:pass@host:port, got "${redactUrl(smtpUrl)}"`);
  if (Boolean(smtpUrl) !== Boolean(mailFrom)) problems.push('SMTP_URL and MAIL_FROM must be set together');
  if (mailFrom && !/^(?:[^<>@\s]+@[^<>@\s]+|.*<[^<>@\s]+@[^<>@\s]+>)$/.test(mailFrom)) {
    problems.push(`MAIL_FROM must be an address such as "Userplane <no-reply@example.com>", got "${mailFrom}"`);
  }

  const rateLimit = parseRateLimit(env.USERPLANE_RATE_LIMIT?.trim() || DEFAULT_RATE_LIMIT);
  if (typeof rateLimit === 'string') problems.push(`USERPLANE_RATE_LIMIT ${rateLimit}, got "${env.USERPLANE_RATE_LIMIT}"`);
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl && !/^rediss?:\/\/.+/.test(redisUrl)) problems.push(`REDIS_URL must look like redis://host:6379, got "${redactUrl(redisUrl)}"`);

  const oauth = readOAuth(env, problems);

  const bodyLimitText = env.USERPLANE_BODY_LIMIT?.trim() || '65536';
  const bodyLimit = Number(bodyLimitText);
  if (!/^\d+$/.test(bodyLimitText) || bodyLimit < 1024 || bodyLimit > 10 * 1024 * 1024) {
    problems.push(`USERPLANE_BODY_LIMIT must be a number of bytes from 1024 to 10485760, got "${bodyLimitText}"`);
  }

  const webhooks = readWebhooks(env, problems);
  const endUsers = readEndUsers(env, problems);
  const passwords = readPasswords(env, problems);
  const webhookLimits = readWebhookLimits(env, problems);
  const httpEdge = readHttpEdge(env, problems);
  const connect = readConnect(env, problems);
  const sqliteLock = readSqliteLock(env, problems);
  const batch = readBatch(env, problems);
  const privacy = readPrivacy(env, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host: read('host', 'HOST') ?? '127.0.0.1',
    databaseUrl,
    databasePoolSize: poolSize,
    databaseStatementTimeoutMs: statementTimeoutMs,
    databasePreparedStatements: preparedText !== 'off',
    shutdownTimeoutMs,
    workers,
    adminKeys,
    roles,
    logLevel,
    emailChange,
    smtpUrl,
    mailFrom,
    rateLimit: rateLimit && endUsers.keyRateLimit ? { ...(rateLimit as RateLimitConfig), publishableKey: endUsers.keyRateLimit } : (rateLimit as RateLimitConfig | null),
    redisUrl,
    oauth,
    bodyLimit,
    webhooks,
    endUsers,
    passwords,
    webhookLimits,
    httpEdge,
    connect,
    sqliteLock,
    batch,
    privacy,
  };
}

export const DEFAULT_PRIVACY: PrivacyConfig = { deletedUserHistory: 'redact', eventRetentionDays: 365, deliveryRetentionDays: 30 };

export function readPrivacy(env: NodeJS.ProcessEnv, problems: string[]): PrivacyConfig {
  const history = env.USERPLANE_DELETED_USER_HISTORY?.trim() || DEFAULT_PRIVACY.deletedUserHistory;
  if (history !== 'redact' && history !== 'keep') problems.push(`USERPLANE_DELETED_USER_HISTORY must be "redact" or "keep", got "${history}"`);
  return {
    deletedUserHistory: history as PrivacyConfig['deletedUserHistory'],
    eventRetentionDays: wholeNumber(env, problems, 'USERPLANE_EVENT_RETENTION_DAYS', DEFAULT_PRIVACY.eventRetentionDays, 0, 36_500),
    deliveryRetentionDays: wholeNumber(env, problems, 'USERPLANE_DELIVERY_RETENTION_DAYS', DEFAULT_PRIVACY.deliveryRetentionDays, 0, 36_500),
  };
}

function readBatch(env: NodeJS.ProcessEnv, problems: string[]): BatchConfig {
  const text = env.USERPLANE_BATCH_BODY_LIMIT?.trim() || String(DEFAULT_BATCH_BODY_LIMIT);
  const bodyLimit = Number(text);
  if (!/^\d+$/.test(text) || bodyLimit < 1024 || bodyLimit > 256 * 1024 * 1024) {
    problems.push(`USERPLANE_BATCH_BODY_LIMIT must be a number of bytes from 1024 to 268435456, got "${text}"`);
  }
  return { bodyLimit };
}

function readWebhookLimits(env: NodeJS.ProcessEnv, problems: string[]): WebhookLimitsConfig {
  const allow = env.USERPLANE_WEBHOOK_ALLOW_PRIVATE_NETWORKS?.trim().toLowerCase() || 'false';
  if (allow !== 'true' && allow !== 'false') problems.push(`USERPLANE_WEBHOOK_ALLOW_PRIVATE_NETWORKS must be "true" or "false", got "${allow}"`);
  return {
    allowPrivateNetworks: allow === 'true',
    maxEndpoints: wholeNumber(env, problems, 'USERPLANE_WEBHOOK_MAX_ENDPOINTS', 50, 1, 10_000),
    endpointConcurrency: wholeNumber(env, problems, 'USERPLANE_WEBHOOK_ENDPOINT_CONCURRENCY', 2, 1, 200),
  };
}

function readEndUsers(env: NodeJS.ProcessEnv, problems: string[]): EndUserConfig {
  const proofTokenMaxLifetimeSeconds = wholeNumber(env, problems, 'USERPLANE_USER_TOKEN_MAX_LIFETIME_SECONDS', 300, 1, 3600);
  const text = env.USERPLANE_PUBLISHABLE_KEY_RATE_LIMIT?.trim();
  const keyRateLimit = text ? parseWindow(text) : null;
  if (text && !keyRateLimit) problems.push(`USERPLANE_PUBLISHABLE_KEY_RATE_LIMIT must look like 10000/10s, got "${text}"`);
  return { proofTokenMaxLifetimeSeconds, keyRateLimit };
}

export const DEFAULT_PASSWORD_FAILURES = '10/10m';

/**
 * Leaves one core to the event loop, and one libuv pool thread to file and DNS work: hashing runs on
 * that pool (UV_THREADPOOL_SIZE, 4 by default, one per process). `serve --workers N` sets
 * USERPLANE_CLUSTER_WORKERS in each worker, which then takes its share of the cores (at least one).
 */
export function defaultHashConcurrency(env: NodeJS.ProcessEnv = process.env, cpus = availableParallelism()): number {
  const pool = Number(env.UV_THREADPOOL_SIZE) || 4;
  const workers = Math.max(1, Number(env.USERPLANE_CLUSTER_WORKERS) || 1);
  return Math.max(1, Math.min(Math.floor((cpus - 1) / workers), pool - 1));
}

/** Issue 12, item 2: every setting of password hashing, defaults as documented in README. */
export function readPasswords(env: NodeJS.ProcessEnv, problems: string[]): PasswordConfig {
  const ceilings = Object.fromEntries(
    Object.entries(CEILING_SPECS).map(([key, spec]) => [key, wholeNumber(env, problems, spec.env, spec.default, spec.min, spec.max)]),
  ) as unknown as HashCeilings;
  const concurrencyText = env.USERPLANE_PASSWORD_CONCURRENCY?.trim() || 'auto';
  const concurrency = concurrencyText === 'auto' ? defaultHashConcurrency(env) : wholeNumber(env, problems, 'USERPLANE_PASSWORD_CONCURRENCY', 1, 1, 256);
  const failuresText = env.USERPLANE_PASSWORD_FAILURES?.trim() || DEFAULT_PASSWORD_FAILURES;
  const failures = parseFailureLimit(failuresText);
  if (failures === undefined) problems.push(`USERPLANE_PASSWORD_FAILURES must look like 10/10m (failures per window: ms, s, m or h) or off, got "${failuresText}"`);
  return {
    ceilings,
    concurrency,
    queueTimeoutMs: wholeNumber(env, problems, 'USERPLANE_PASSWORD_QUEUE_TIMEOUT_MS', 5_000, 1, 600_000),
    queueLength: wholeNumber(env, problems, 'USERPLANE_PASSWORD_QUEUE_LENGTH', 256, 1, 100_000),
    failures: failures ?? null,
    migration: readPasswordMigration(env, problems),
  };
}

/** Issue 15, item 5: the opt-in password migration hook; URL and secret together, or neither. */
export function readPasswordMigration(env: NodeJS.ProcessEnv, problems: string[]): PasswordMigrationConfig | null {
  const url = env.USERPLANE_PASSWORD_MIGRATION_URL?.trim() || '';
  const secret = env.USERPLANE_PASSWORD_MIGRATION_SECRET?.trim() || '';
  const timeoutMs = wholeNumber(env, problems, 'USERPLANE_PASSWORD_MIGRATION_TIMEOUT_MS', 5_000, 100, 60_000);
  if (!url) {
    if (secret) problems.push('USERPLANE_PASSWORD_MIGRATION_SECRET is set but USERPLANE_PASSWORD_MIGRATION_URL is not; set both to turn the hook on');
    return null;
  }
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    problems.push(`USERPLANE_PASSWORD_MIGRATION_URL must be an http or https URL, got "${redactUrl(url)}"`);
  }
  if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(secret) || Buffer.from(secret.slice(6), 'base64').length < 24) {
    problems.push('USERPLANE_PASSWORD_MIGRATION_SECRET must be whsec_ followed by base64 of at least 24 random bytes (the hook checks its signatures with it)');
  }
  return { url, secret, timeoutMs };
}

/** `10/10m` (failures per window), or `off`; undefined when malformed. */
export function parseFailureLimit(text: string): RateWindow | null | undefined {
  return text === 'off' ? null : (parseWindow(text) ?? undefined);
}

export const DEFAULT_PUBLIC_RATE_LIMIT = '60/10s';

/** Issue 12: settings of the HTTP edge (timeouts, per-address limits, /metrics, CORS). */
function readHttpEdge(env: NodeJS.ProcessEnv, problems: string[]): HttpEdgeConfig {
  const requestTimeoutMs = wholeNumber(env, problems, 'USERPLANE_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000);
  const keepAliveTimeoutMs = wholeNumber(env, problems, 'USERPLANE_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000);

  const publicText = env.USERPLANE_PUBLIC_RATE_LIMIT?.trim() || DEFAULT_PUBLIC_RATE_LIMIT;
  // One window for every caller: the per-scope form means nothing without a credential.
  const publicRateLimit = publicText === 'off' ? null : parseWindow(publicText);
  if (publicText !== 'off' && !publicRateLimit) problems.push(`USERPLANE_PUBLIC_RATE_LIMIT must look like 60/10s (or off), got "${publicText}"`);

  const trustProxy = parseTrustProxy(env.USERPLANE_TRUST_PROXY?.trim() || 'false');
  if (typeof trustProxy === 'string') problems.push(`USERPLANE_TRUST_PROXY ${trustProxy}, got "${env.USERPLANE_TRUST_PROXY}"`);

  const metricsToken = env.USERPLANE_METRICS_TOKEN?.trim() || null;
  if (metricsToken !== null && metricsToken.length < 16) problems.push('USERPLANE_METRICS_TOKEN must be at least 16 characters');
  const metricsPort = env.USERPLANE_METRICS_PORT?.trim() ? wholeNumber(env, problems, 'USERPLANE_METRICS_PORT', 0, 1, 65535) : null;

  const corsOrigins = list(env.USERPLANE_CORS_ORIGINS);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(origin)) {
      problems.push(`USERPLANE_CORS_ORIGINS: "${origin}" must be an origin such as https://app.example.com (scheme, host and port; no path)`);
    }
  }
  return {
    requestTimeoutMs,
    keepAliveTimeoutMs,
    publicRateLimit,
    trustProxy: typeof trustProxy === 'string' ? false : trustProxy,
    metricsToken,
    metricsPort,
    corsOrigins: corsOrigins.map((origin) => origin.toLowerCase()),
  };
}

/** `false`, `true`, a hop count, or a comma-separated list of addresses and CIDR ranges; a string is a problem. */
export function parseTrustProxy(text: string): boolean | number | string[] | string {
  if (text === 'false' || text === 'off') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = list(text);
  const bad = entries.filter((entry) => !isAddressOrRange(entry));
  if (entries.length === 0 || bad.length > 0) return `must be false, true, a hop count or addresses/CIDR ranges such as 10.0.0.0/8,127.0.0.1 (bad: ${bad.join(', ')})`;
  return entries;
}

function isAddressOrRange(entry: string): boolean {
  // proxy-addr also knows these names for the private, loopback and link-local ranges.
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || !address || !ipaddr.isValid(address)) return false;
  if (bits === undefined) return true;
  const max = ipaddr.parse(address).kind() === 'ipv4' ? 32 : 128;
  return /^\d+$/.test(bits) && Number(bits) <= max;
}

/** An unreachable PostgreSQL fails start-up after this long instead of hanging (default 10 s). */
function readConnect(env: NodeJS.ProcessEnv, problems: string[]): ConnectConfig {
  return { timeoutMs: wholeNumber(env, problems, 'DATABASE_CONNECT_TIMEOUT_MS', 10_000, 100, 600_000) };
}

/** DATABASE_LOCK_TIMEOUT_MS: how long a SQLite write waits for another connection's lock before a 503. */
function readSqliteLock(env: NodeJS.ProcessEnv, problems: string[]): Config['sqliteLock'] {
  return { timeoutMs: wholeNumber(env, problems, 'DATABASE_LOCK_TIMEOUT_MS', 5000, 0, 600_000) };
}

/** Production defaults are the issue's: 10 s timeout, first retry within 10 s, retries for a day. Tests shorten them. */
function readWebhooks(env: NodeJS.ProcessEnv, problems: string[]): WebhookConfig {
  const number = (name: string, fallback: number, min: number, max: number) => wholeNumber(env, problems, name, fallback, min, max);
  const worker = env.USERPLANE_WEBHOOK_WORKER?.trim() || 'on';
  if (worker !== 'on' && worker !== 'off') problems.push(`USERPLANE_WEBHOOK_WORKER must be "on" or "off", got "${worker}"`);
  const config: WebhookConfig = {
    workerInServe: worker !== 'off',
    pollMs: number('USERPLANE_WEBHOOK_POLL_MS', 250, 10, 60_000),
    timeoutMs: number('USERPLANE_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    leaseMs: number('USERPLANE_WEBHOOK_LEASE_MS', 60_000, 200, 3_600_000),
    retryBaseMs: number('USERPLANE_WEBHOOK_RETRY_BASE_MS', 5_000, 10, 3_600_000),
    retryWindowMs: number('USERPLANE_WEBHOOK_RETRY_WINDOW_MS', 86_400_000, 100, 7 * 86_400_000),
    concurrency: number('USERPLANE_WEBHOOK_CONCURRENCY', 10, 1, 200),
  };
  // A lease that can run out during an attempt lets a second worker send the same event meanwhile.
  if (config.leaseMs < config.timeoutMs + 100) problems.push('USERPLANE_WEBHOOK_LEASE_MS must exceed USERPLANE_WEBHOOK_TIMEOUT_MS by at least 100');
  return config;
}

function readOAuth(env: NodeJS.ProcessEnv, problems: string[]): OAuthConfig | null {
  const jwksUrl = env.OAUTH_JWKS_URL?.trim();
  const issuer = env.OAUTH_ISSUER?.trim();
  const audience = env.OAUTH_AUDIENCE?.trim();
  if (!jwksUrl && !issuer && !audience) return null;
  if (!jwksUrl || !issuer || !audience) {
    problems.push('OAUTH_JWKS_URL, OAUTH_ISSUER and OAUTH_AUDIENCE must be set together');
    return null;
  }
  if (!/^https?:\/\/.+/.test(jwksUrl)) problems.push(`OAUTH_JWKS_URL must be an http(s) URL, got "${jwksUrl}"`);
  const algorithms = (env.OAUTH_ALGORITHMS?.trim() || 'RS256,ES256,PS256,EdDSA').split(',').map((a) => a.trim());
  const bad = algorithms.filter((a) => !ASYMMETRIC_ALGORITHMS.includes(a));
  if (bad.length > 0) problems.push(`OAUTH_ALGORITHMS may list only ${ASYMMETRIC_ALGORITHMS.join(', ')}; got ${bad.join(', ')}`);
  const tolerance = Number(env.OAUTH_CLOCK_TOLERANCE_SECONDS?.trim() || '30');
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 300) problems.push('OAUTH_CLOCK_TOLERANCE_SECONDS must be 0 to 300');
  const lifetimeText = env.OAUTH_MAX_TOKEN_LIFETIME_SECONDS?.trim();
  const maxTokenLifetimeSeconds = lifetimeText ? wholeNumber(env, problems, 'OAUTH_MAX_TOKEN_LIFETIME_SECONDS', 3600, 1, 31 * 86_400) : null;
  return { jwksUrl, issuer, audience, environmentClaim: env.OAUTH_ENVIRONMENT_CLAIM?.trim() || 'userplane_environment', algorithms, clockToleranceSeconds: tolerance, maxTokenLifetimeSeconds };
}

/** A whole number from min to max, or `fallback` when unset; a problem is recorded otherwise. */
function wholeNumber(env: NodeJS.ProcessEnv, problems: string[], name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim() || String(fallback);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) problems.push(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A database URL with its password replaced, safe to print. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Where `userplane import` and `userplane export` send their requests, and with which key (flags win). */
export interface ClientSettings {
  url: string;
  key: string | undefined;
}

export const DEFAULT_CLIENT_URL = 'http://127.0.0.1:8080';

export function readClientSettings(env: NodeJS.ProcessEnv = process.env, flags: { url?: string; key?: string } = {}): ClientSettings {
  return { url: flags.url ?? env.USERPLANE_URL ?? DEFAULT_CLIENT_URL, key: flags.key ?? env.USERPLANE_KEY };
}
