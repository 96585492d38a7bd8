/**
 * Passwords: a new password is hashed with argon2id; an existing hash from another system is
 * imported as it is and re-hashed to argon2id the first time it verifies. Plain passwords and
 * hashes never leave this module except into the store.
 */
import { ValidationError, type FieldErrors } from '../domain/errors.ts';
import { normalizeIdentifier } from '../domain/user.ts';
import {
  PasswordHashFormatError,
  SUPPORTED_HASH_TYPES,
  hashPassword,
  needsRehash,
  parseImportedHash,
  verifyStoredPassword,
  type PasswordHashType,
} from './password-hashing/index.ts';
import type { Store } from '../store/contract.ts';
import type { RequestContext } from './context.ts';
import { NotFoundError } from '../domain/errors.ts';

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

/** True when the input carries any password field. */
export function hasPasswordInput(input: PasswordInput): boolean {
  return input.password !== undefined || input.password_hash !== undefined || input.password_hash_type !== undefined;
}

/** Validates and hashes a password input; throws ValidationError with a reason naming the rule. */
export async function preparePassword(input: PasswordInput): Promise<PreparedPassword> {
  const { password, password_hash: hash, password_hash_type: type } = input;
  if (password !== undefined && (hash !== undefined || type !== undefined)) {
    const message = 'Send either password or password_hash with password_hash_type, not both';
    throw new ValidationError({ password: [message], password_hash: [message] }, undefined, 'password_and_password_hash_provided');
  }
  if (password !== undefined) {
    if (typeof password !== 'string') throw ValidationError.field('password', 'Must be a string', 'password_strength');
    const length = [...password].length;
    if (length < PASSWORD_MIN) throw ValidationError.field('password', `Must be at least ${PASSWORD_MIN} characters`, 'password_strength');
    if (length > PASSWORD_MAX) throw ValidationError.field('password', `Must be at most ${PASSWORD_MAX} characters`, 'password_strength');
    const normalized = normalizeIdentifier(password);
    return {
      hash: await hashPassword(password),
      type: 'argon2',
      equalsEmail: (email) => email !== null && normalizeIdentifier(email) === normalized,
    };
  }
  const details: FieldErrors = {};
  if (hash === undefined) details.password_hash = ['Is required with password_hash_type'];
  else if (typeof hash !== 'string') details.password_hash = ['Must be a string'];
  if (type === undefined) details.password_hash_type = [`Is required with password_hash; one of ${SUPPORTED_HASH_TYPES.join(', ')}`];
  else if (typeof type !== 'string') details.password_hash_type = ['Must be a string'];
  if (Object.keys(details).length > 0) throw new ValidationError(details, undefined, 'password_hash_type_required');
  try {
    const parsed = parseImportedHash(type as string, hash as string);
    return { hash: hash as string, type: parsed.type, equalsEmail: () => false };
  } catch (error) {
    if (!(error instanceof PasswordHashFormatError)) throw error;
    const field = error.reason === 'unsupported_type' ? 'password_hash_type' : 'password_hash';
    throw ValidationError.field(field, error.message, 'invalid_password_hash');
  }
}

export function createPasswordService(store: Store) {
  return {
    /** Whether `password` is the user's password. A legacy hash that verifies is upgraded to argon2id at once. */
    async verify(ctx: RequestContext, id: string, password: string): Promise<boolean> {
      const user = await store.users.findById(ctx.environment, id);
      if (!user) throw new NotFoundError('user', id);
      if (user.password_hash === null || user.password_hash_type === null) return false;
      const type = user.password_hash_type as PasswordHashType;
      const verified = await verifyStoredPassword(type, user.password_hash, password);
      if (verified && needsRehash(type, user.password_hash)) {
        const upgraded = await hashPassword(password);
        await store.users.setPassword(ctx.environment, id, { hash: upgraded, type: 'argon2' }, user.password_hash);
      }
      return verified;
    },
  };
}

export type PasswordService = ReturnType<typeof createPasswordService>;
