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
  /** Secret keys accepted as admin keys of the environment their prefix names. */
  adminKeys: string[];
  /** Allowed roles; empty means any well-formed role. */
  roles: string[];
  logLevel: LogLevel;
  emailChange: 'direct' | 'verify';
  /** smtp://user:pass@host:port; with mailFrom, mail is sent. Without, it is printed (development). */
  smtpUrl: string | null;
  mailFrom: string | null;
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
} as const;

export const DEFAULT_DATABASE_URL = 'sqlite:./data/userplane.db';
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

  if (problems.length > 0) throw new ConfigError(problems);
  return { port, host: read('host', 'HOST') ?? '127.0.0.1', databaseUrl, adminKeys, roles, logLevel, emailChange, smtpUrl, mailFrom };
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
