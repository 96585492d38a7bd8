/**
 * Passwords: a new password is hashed with argon2id; an existing hash from another system is
 * imported as it is and re-hashed to argon2id the first time it verifies. Plain passwords and
 * hashes never leave this module except into the store.
 */
import { randomUUID } from 'node:crypto';
import { RateLimitedError, UnavailableError, ValidationError, type FieldErrors } from '../domain/errors.ts';
import { normalizeIdentifier } from '../domain/user.ts';
import {
  PasswordHashFormatError,
  SUPPORTED_HASH_TYPES,
  needsRehash,
  type PasswordHasher,
  type PasswordHashType,
} from './password-hashing/index.ts';
import type { Store, StoredUser } from '../store/contract.ts';
import type { Clock, RequestContext } from './context.ts';
import { findUser, lockUser, publicUser } from './stored-user.ts';
import type { PasswordMigrationHook } from './password-migration-hook.ts';
import { appendUserEvent } from './user-events.ts';
import { REDACTED } from './user-service.ts';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export interface PasswordInput {
  password?: unknown;
  password_hash?: unknown;
  password_hash_type?: unknown;
}

/** A password ready to store: hashed, plus a check of the one rule that needs the user's email. */
export interface PreparedPassword {
  hash: string;
  type: PasswordHashType;
  /** True when the plain password (if one was given) equals this email address. */
  equalsEmail(email: string | null): boolean;
}

/**
 * Validates and hashes a password input; throws ValidationError with a reason naming the rule
 * (an imported hash above the cost ceilings included). Hashing goes through the hasher's queue.
 */
export async function preparePassword(input: PasswordInput, hasher: PasswordHasher): Promise<PreparedPassword> {
  const { password, password_hash: hash, password_hash_type: type } = input;
  if (password !== undefined && (hash !== undefined || type !== undefined)) {
    const message = 'Send either password or password_hash with password_hash_type, not both';
    throw new ValidationError({ password: [message], password_hash: [message] }, undefined, hash === undefined ? 'password_with_hash_type' : 'password_with_hash');
  }
  if (password !== undefined) {
    if (typeof password !== 'string') throw ValidationError.field('password', 'Must be a string', 'password_strength');
    const length = [...password].length;
    if (length < PASSWORD_MIN) throw ValidationError.field('password', `Must be at least ${PASSWORD_MIN} characters`, 'password_strength');
    if (length > PASSWORD_MAX) throw ValidationError.field('password', `Must be at most ${PASSWORD_MAX} characters`, 'password_strength');
    const normalized = normalizeIdentifier(password);
    return {
      hash: await hasher.hash(password),
      type: 'argon2',
      equalsEmail: (email) => email !== null && normalizeIdentifier(email) === normalized,
    };
  }
  const details: FieldErrors = {};
  if (hash === undefined) details.password_hash = ['Is required with password_hash_type'];
  else if (typeof hash !== 'string') details.password_hash = ['Must be a string'];
  if (type === undefined) details.password_hash_type = [`Is required with password_hash; one of ${SUPPORTED_HASH_TYPES.join(', ')}`];
  else if (typeof type !== 'string') details.password_hash_type = ['Must be a string'];
  if (Object.keys(details).length > 0) throw new ValidationError(details, undefined, 'password_hash_incomplete');
  try {
    hasher.checkImport(type as string, hash as string);
    // Stored under the type it was imported as (werkzeug and ory parse into another family's form).
    return { hash: hash as string, type: type as PasswordHashType, equalsEmail: () => false };
  } catch (error) {
    if (!(error instanceof PasswordHashFormatError)) throw error;
    const field = error.reason === 'unsupported_type' ? 'password_hash_type' : 'password_hash';
    // Above a ceiling, the limit is the whole story: it is the top-level message too.
    if (error.reason === 'above_ceiling') throw new ValidationError({ [field]: [error.message] }, error.message, 'password_hash_unusable');
    throw ValidationError.field(field, error.message, 'password_hash_unusable');
  }
}

export interface VerifyOptions {
  /** The email or username the person typed, sent to the migration hook; the user's email (else username) otherwise. */
  identifier?: string;
}

/** Failed verifies allowed per user in a sliding window; null: no limit. */
export interface FailureLimit {
  max: number;
  windowMs: number;
}

export interface PasswordServiceOptions {
  hasher: PasswordHasher;
  failures: FailureLimit | null;
  clock: Clock;
  /** USERPLANE_PASSWORD_MIGRATION_URL's hook; null or absent: marked users simply fail to verify. */
  migrationHook?: PasswordMigrationHook | null;
}

export function createPasswordService(store: Store, options: PasswordServiceOptions) {
  const { hasher, failures, clock } = options;
  const hook = options.migrationHook ?? null;

  /**
   * Records an attempt before the hash is checked, so concurrent verifies count too, and refuses
   * with 429 once the window holds `max` failures. Returns the attempt's id, to forget unless the
   * password turns out wrong.
   */
  async function beginAttempt(userId: string): Promise<string | null> {
    if (!failures) return null;
    const now = clock().getTime();
    const id = randomUUID();
    const since = new Date(now - failures.windowMs).toISOString();
    const { count, oldest } = await store.passwordAttempts.begin({ id, user_id: userId, attempted_at: new Date(now).toISOString() }, since);
    if (count <= failures.max) return id;
    await store.passwordAttempts.forget(id);
    const retryAfter = Math.max(1, Math.ceil((Date.parse(oldest) + failures.windowMs - now) / 1000));
    throw new RateLimitedError(
      retryAfter,
      `Too many failed password verifies for this user: at most ${failures.max} per ${failures.windowMs / 1000} s; retry after ${retryAfter} s`,
      'password_failures',
    );
  }

  /**
   * A marked user without a password: the hook decides. A match stores the password as argon2id and
   * removes the mark in one transaction, with its event; a "no" counts as a wrong password; an
   * outage is UnavailableError (503 with Retry-After) and counts nothing against the user.
   */
  async function verifyThroughHook(ctx: RequestContext, user: StoredUser, password: string, identifier: string): Promise<boolean> {
    const attempt = await beginAttempt(user.id);
    let wrong = false;
    try {
      const verdict = await hook!.check(identifier, password);
      wrong = verdict !== 'match';
      if (wrong) return false;
      const hash = await hasher.hash(password);
      const stored = await store.transaction(async (tx) => {
        const current = await lockUser(tx, ctx, user.id);
        // Someone set a password (or cleared the mark) while the hook was asked: theirs stands.
        if (current.password_set || !current.password_migration_pending) return false;
        const updated_at = clock().toISOString();
        const version = current.version + 1;
        const changes = { password_migration_pending: false, password_set: true, version, updated_at };
        await tx.users.update(ctx.environment, user.id, current.version, changes);
        await tx.users.setPassword(ctx.environment, user.id, { hash, type: 'argon2' });
        await appendUserEvent(tx, ctx, {
          type: 'user.updated',
          userId: user.id,
          changes: {
            password: { previous: null, current: REDACTED },
            password_set: { previous: false, current: true },
            password_migration_pending: { previous: true, current: false },
          },
          at: updated_at,
          snapshot: publicUser({ ...current, ...changes }),
        });
        return true;
      });
      if (stored) return true;
      // Then the password is checked against what is there now, like any verify.
      const now = await findUser(store, ctx, user.id);
      if (now.password_hash === null || now.password_hash_type === null) return false;
      return await hasher.verify(now.password_hash_type as PasswordHashType, now.password_hash, password);
    } finally {
      if (attempt && !wrong) await store.passwordAttempts.forget(attempt);
    }
  }

  return {
    hasher,

    /** prepare() for an existing user: a missing user is a 404 before any hashing is done. */
    async prepareFor(ctx: RequestContext, id: string, input: PasswordInput): Promise<PreparedPassword> {
      await findUser(store, ctx, id);
      return preparePassword(input, hasher);
    },

    prepare: (input: PasswordInput) => preparePassword(input, hasher),

    /**
     * Whether `password` is the user's password. A legacy hash that verifies is upgraded to
     * argon2id at once. A wrong password counts against the user's failure limit; a right one
     * leaves earlier failures in the window (so a guesser gains nothing from the user's own logins).
     */
    async verify(ctx: RequestContext, id: string, password: string, options: VerifyOptions = {}): Promise<boolean> {
      const user = await findUser(store, ctx, id);
      if (user.password_hash === null || user.password_hash_type === null) {
        if (!user.password_migration_pending || !hook) return false;
        return verifyThroughHook(ctx, user, password, options.identifier ?? user.email ?? user.username ?? user.external_id ?? user.id);
      }
      const attempt = await beginAttempt(user.id);
      // Only a wrong password stays counted; an error (e.g. a full queue) is no failure of the user's.
      let wrong = false;
      try {
        const type = user.password_hash_type as PasswordHashType;
        const verified = await hasher.verify(type, user.password_hash, password);
        wrong = !verified;
        if (verified && needsRehash(type, user.password_hash)) {
          try {
            const upgraded = await hasher.hash(password);
            await store.users.setPassword(ctx.environment, id, { hash: upgraded, type: 'argon2' }, user.password_hash);
          } catch (error) {
            // A busy queue only postpones the upgrade to the next verify; the answer stands.
            if (!(error instanceof UnavailableError)) throw error;
          }
        }
        return verified;
      } finally {
        if (attempt && !wrong) await store.passwordAttempts.forget(attempt);
      }
    },
  };
}

export type PasswordService = ReturnType<typeof createPasswordService>;
