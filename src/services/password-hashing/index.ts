/** Password hashing: our own argon2id hashes, and verification of hashes imported from elsewhere. */
export { SUPPORTED_HASH_TYPES } from './types.ts';
export type { ParsedHash, PasswordHashType } from './types.ts';
export { PasswordHashFormatError } from './errors.ts';
export { parseImportedHash, verifyImportedHash } from './imported-hash.ts';
export { hashPassword, needsRehash, verifyStoredPassword } from './stored-password.ts';
