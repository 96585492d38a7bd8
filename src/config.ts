/**
 * The configuration: built once at start-up from environment variables and command-line flags
 * (flags win), validated, and failing fast with a message that names every bad value.
 */
import { parseArgs } from 'node:util';

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
  /** SQLite's file lock (issue 13): waited for without blocking, for at most this long. */
  sqliteLock: { timeoutMs: number };
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
}

export const DEFAULT_RATE_LIMIT = '1000/10s';
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** `100/10s` for every scope, or per scope: `read=1000/10s,write=100/10s,admin=50/10s`; `off` disables. */
export function parseRateLimit(text: string): RateLimitConfig | null | string {
  if (text === 'off') return null;
  const window = (part: string): RateWindow | null => {
    const match = /^(\d+)\/(\d*)(ms|s|m|h)$/.exec(part.trim());
    if (!match || Number(match[1]) < 1) return null;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[3] as 'ms' | 's' | 'm' | 'h'];
    return { max: Number(match[1]), windowMs: Number(match[2] || '1') * unit };
  };
  const single = window(text);
  if (single) return { read: single, write: single, admin: single };
  const result: Partial<RateLimitConfig> = {};
  for (const entry of text.split(',')) {
    const [scope, spec] = entry.split('=');
    const parsed = spec ? window(spec) : null;
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
  const sqliteLock = readSqliteLock(env, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host: read('host', 'HOST') ?? '127.0.0.1',
    databaseUrl,
    databasePoolSize: poolSize,
    databaseStatementTimeoutMs: statementTimeoutMs,
    shutdownTimeoutMs,
    workers,
    adminKeys,
    roles,
    logLevel,
    emailChange,
    smtpUrl,
    mailFrom,
    rateLimit: rateLimit as RateLimitConfig | null,
    redisUrl,
    oauth,
    bodyLimit,
    webhooks,
    sqliteLock,
  };
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
  return { jwksUrl, issuer, audience, environmentClaim: env.OAUTH_ENVIRONMENT_CLAIM?.trim() || 'userplane_environment', algorithms, clockToleranceSeconds: tolerance };
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
