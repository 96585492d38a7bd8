/**
 * Django's own encodings, verified by the generic families: pbkdf2_sha256$<iterations>$<salt>$<b64>
 * (PBKDF2PasswordHasher: the salt is used as its text) and bcrypt_sha256$<bcrypt hash>
 * (BCryptSHA256PasswordHasher: bcrypt of the password's SHA-256 in hex).
 */
import { decodeBase64, parseDecimal } from './encoding.ts';
import { malformed } from './errors.ts';
import { parseBcrypt } from './bcrypt.ts';
import { PBKDF2_ITERATION_BOUNDS } from './pbkdf2.ts';
import type { ParsedBcrypt, ParsedPbkdf2 } from './types.ts';

const PBKDF2_SHAPE = 'django_pbkdf2_sha256 hash must look like pbkdf2_sha256$<iterations>$<salt>$<base64 of 32 bytes>';

export function parseDjangoPbkdf2Sha256(hash: string): ParsedPbkdf2 {
  const fields = hash.split('$');
  if (fields.length !== 4 || fields[0] !== 'pbkdf2_sha256') throw malformed(PBKDF2_SHAPE);
  const iterations = parseDecimal(fields[1]);
  const { min, max } = PBKDF2_ITERATION_BOUNDS;
  if (iterations == null || iterations < min || iterations > max) {
    throw malformed(`django_pbkdf2_sha256 iteration count must be a whole number between ${min} and ${max}`);
  }
  const salt = fields[2] ?? '';
  // Django's salts are letters and digits; any printable text without $ is accepted as it is used.
  if (salt.length === 0 || !/^[\x21-\x7e]+$/.test(salt)) throw malformed('django_pbkdf2_sha256 salt must be non-empty printable text');
  const digest = decodeBase64(fields[3] ?? '', 'standard', 'required');
  if (!digest || digest.length !== 32) throw malformed('django_pbkdf2_sha256 hash (the last field) must be padded standard base64 of 32 bytes');
  return { type: 'django_pbkdf2_sha256', digest: 'sha256', iterations, salt: Buffer.from(salt, 'utf8'), hash: digest };
}

export function parseDjangoBcryptSha256(hash: string): ParsedBcrypt {
  const prefix = 'bcrypt_sha256$';
  if (!hash.startsWith(prefix)) throw malformed('django_bcrypt_sha256 hash must look like bcrypt_sha256$$2b$<cost>$<53 characters>');
  try {
    return { ...parseBcrypt(hash.slice(prefix.length)), type: 'django_bcrypt_sha256' };
  } catch (error) {
    if (error instanceof Error) throw malformed(`django_bcrypt_sha256: ${error.message}`);
    throw error;
  }
}
