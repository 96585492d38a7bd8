/** Password hashing: our own argon2id hashes, and verification of hashes imported from elsewhere. */
export { SUPPORTED_HASH_TYPES } from './types.ts';
export type { ParsedHash, PasswordHashType } from './types.ts';
export { PasswordHashFormatError } from './errors.ts';
export { parseImportedHash, verifyImportedHash } from './imported-hash.ts';
export { hashPassword, needsRehash, verifyStoredPassword } from './stored-password.ts';
export { CEILING_SPECS, DEFAULT_HASH_CEILINGS, checkHashCost, type HashCeilings } from './ceilings.ts';
export { createHashQueue, type HashQueue, type HashQueueOptions, type HashQueueStats } from './queue.ts';
export { createPasswordHasher, type PasswordHasher, type PasswordHasherOptions } from './hasher.ts';
