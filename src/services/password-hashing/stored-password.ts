/** Hashing new passwords and checking the hashes we store. */
import { hashArgon2id, isCurrentArgon2, parseArgon2 } from './argon2.ts';
import { parseImportedHash, verifyImportedHash } from './imported-hash.ts';
import type { PasswordHashType } from './types.ts';

/** Hash a new password with argon2id (m=19456 KiB, t=2, p=1). Returns a PHC string. */
export function hashPassword(password: string): Promise<string> {
  return hashArgon2id(password);
}

/**
 * Verify against what we store: `type` + `hash` as stored (our own hashes are stored as type
 * 'argon2' with the PHC string). A stored hash that no longer parses rejects with
 * PasswordHashFormatError.
 */
export async function verifyStoredPassword(type: PasswordHashType, hash: string, password: string): Promise<boolean> {
  return verifyImportedHash(parseImportedHash(type, hash), password);
}

/**
 * True when a stored hash should be replaced by a fresh hashPassword() after a successful verify:
 * any type other than argon2id with our current parameters (an unparsable hash included).
 */
export function needsRehash(type: PasswordHashType, hash: string): boolean {
  if (type !== 'argon2') return true;
  try {
    return !isCurrentArgon2(parseArgon2(hash));
  } catch {
    return true;
  }
}
