/**
 * The password hasher the services use: every hash and verify through one bounded queue, and
 * imported hashes held to the operator's cost ceilings. Built from explicit settings, no globals.
 */
import { checkHashCost, type HashCeilings } from './ceilings.ts';
import { parseImportedHash, verifyImportedHash } from './imported-hash.ts';
import { createHashQueue, type HashQueue, type HashQueueOptions } from './queue.ts';
import { hashPassword } from './stored-password.ts';
import type { ParsedHash, PasswordHashType } from './types.ts';

export interface PasswordHasherOptions {
  ceilings: HashCeilings;
  queue: HashQueueOptions;
}

export interface PasswordHasher {
  /** A new password as an argon2id PHC string. */
  hash(password: string): Promise<string>;
  /** Whether the password matches a stored hash (rejects with PasswordHashFormatError when it no longer parses). */
  verify(type: PasswordHashType, hash: string, password: string): Promise<boolean>;
  /** Validates an imported hash, ceilings included (throws PasswordHashFormatError). Cheap: no hashing. */
  checkImport(type: string, hash: string): ParsedHash;
  readonly queue: HashQueue;
}

export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const queue = createHashQueue(options.queue);
  return {
    hash: (password) => queue.run(() => hashPassword(password)),
    verify(type, hash, password) {
      const parsed = parseImportedHash(type, hash);
      return queue.run(() => verifyImportedHash(parsed, password));
    },
    checkImport(type, hash) {
      const parsed = parseImportedHash(type, hash);
      checkHashCost(parsed, options.ceilings);
      return parsed;
    },
    queue,
  };
}
