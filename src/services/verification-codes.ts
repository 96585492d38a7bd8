/**
 * Six-digit email verification codes: stored only as a salted HMAC, valid 10 minutes, at most
 * 5 wrong attempts, one outstanding code per user (a new one replaces the old).
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { RateLimitedError } from '../domain/errors.ts';
import type { EmailVerification, StoreQueries } from '../store/contract.ts';
import type { Environment } from '../domain/user.ts';

export const CODE_TTL_MS = 10 * 60 * 1000;
export const MAX_ATTEMPTS = 5;
export const MAX_SENDS_PER_HOUR = 5;

function digest(code: string, salt: string): string {
  return createHmac('sha256', salt).update(code).digest('base64url');
}

export function hashCode(code: string): string {
  const salt = randomBytes(16).toString('base64url');
  return `${salt}.${digest(code, salt)}`;
}

export function codeMatches(code: string, stored: string): boolean {
  const [salt, expected] = stored.split('.');
  if (!salt || !expected) return false;
  const actual = Buffer.from(digest(code, salt));
  const wanted = Buffer.from(expected);
  return actual.length === wanted.length && timingSafeEqual(actual, wanted);
}

/**
 * Counts one code mail against the user's hourly limit, shared by every path that sends one (the
 * send endpoint and an email change under the verify policy). Over it: 429, and the caller's
 * transaction rolls the count back.
 */
export async function countSend(tx: StoreQueries, userId: string, now: Date): Promise<void> {
  const sends = await tx.verifications.recordSend(userId, now.toISOString(), new Date(now.getTime() - 3600_000).toISOString());
  if (sends > MAX_SENDS_PER_HOUR) {
    throw new RateLimitedError(3600, `At most ${MAX_SENDS_PER_HOUR} verification emails an hour per user`, 'verification_send_limit');
  }
}

/**
 * Creates (or replaces) the user's code for `email` and returns the plain code, to mail once.
 * `attempts` starts the new code's count of wrong guesses (0 unless carried over).
 */
export async function issueCode(
  tx: StoreQueries,
  user: { id: string; environment: Environment },
  email: string,
  now: Date,
  attempts = 0,
): Promise<{ code: string; record: EmailVerification }> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const record: EmailVerification = {
    user_id: user.id,
    environment: user.environment,
    email,
    code_hash: hashCode(code),
    attempts,
    expires_at: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
    used_at: null,
    created_at: now.toISOString(),
  };
  await tx.verifications.replace(record);
  return { code, record };
}

export function codeMail(to: string, code: string) {
  return {
    to,
    subject: 'Your verification code',
    text: `Your email verification code is ${code}.\n\nIt is valid for 10 minutes. If you did not ask for it, ignore this message.`,
  };
}

export function emailChangeNotice(to: string, newEmail: string) {
  return {
    to,
    subject: 'Your email address is being changed',
    text: `A change of your account's email address to ${newEmail} was requested. It takes effect once the new address is confirmed.\n\nIf you did not ask for this, contact support.`,
  };
}
