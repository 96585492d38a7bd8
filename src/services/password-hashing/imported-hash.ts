/** Validation and verification of hashes imported from other systems. */
import { parseArgon2, verifyArgon2 } from './argon2.ts';
import { parseBcrypt, verifyBcrypt } from './bcrypt.ts';
import { parseDigest, parseHmac, verifyDigest } from './digest.ts';
import { parseDjangoBcryptSha256, parseDjangoPbkdf2Sha256 } from './django.ts';
import { PasswordHashFormatError, malformed } from './errors.ts';
import { parseFirebaseScrypt, verifyFirebaseScrypt } from './firebase-scrypt.ts';
import { parseOry } from './ory.ts';
import { parsePbkdf2, verifyPbkdf2 } from './pbkdf2.ts';
import { parseScrypt, verifyScrypt } from './scrypt.ts';
import { parseLdap, verifyLdap } from './ldap.ts';
import { parseMd5Crypt, verifyMd5Crypt } from './md5-crypt.ts';
import { parsePhpass, verifyPhpass } from './phpass.ts';
import { parseShaCrypt, verifyShaCrypt } from './sha-crypt.ts';
import { parseSsha, verifySsha } from './ssha.ts';
import { parseWerkzeug } from './werkzeug.ts';
import { SUPPORTED_HASH_TYPES, isSupportedHashType, type ParsedHash, type PasswordHashType } from './types.ts';

// Far above any supported format (a firebase-scrypt string with a 64-byte signer key is ~250).
const MAX_HASH_LENGTH = 1024;

const PARSERS: Record<PasswordHashType, (hash: string) => ParsedHash> = {
  bcrypt: parseBcrypt,
  argon2: parseArgon2,
  scrypt: parseScrypt,
  pbkdf2: parsePbkdf2,
  ssha: (hash) => parseSsha('ssha', hash),
  ssha256: (hash) => parseSsha('ssha256', hash),
  'firebase-scrypt': parseFirebaseScrypt,
  sha512_crypt: (hash) => parseShaCrypt('sha512_crypt', hash),
  sha256_crypt: (hash) => parseShaCrypt('sha256_crypt', hash),
  md5_crypt: parseMd5Crypt,
  phpass: parsePhpass,
  django_pbkdf2_sha256: parseDjangoPbkdf2Sha256,
  django_bcrypt_sha256: parseDjangoBcryptSha256,
  ldap: parseLdap,
  md5: (hash) => parseDigest('md5', hash),
  sha1: (hash) => parseDigest('sha1', hash),
  sha256: (hash) => parseDigest('sha256', hash),
  sha512: (hash) => parseDigest('sha512', hash),
  hmac: parseHmac,
  // These two are verified by the family they name inside (scrypt, pbkdf2, bcrypt…), under its ceilings.
  werkzeug: parseWerkzeug,
  ory: parseOry,
};

/** Quotes a caller's type name for an error message: printable characters only, kept short. */
function quoted(type: string): string {
  const printable = type.replace(/[^\x20-\x7e]/g, '?');
  return `'${printable.length > 40 ? `${printable.slice(0, 40)}…` : printable}'`;
}

/** Validates an imported hash and returns its parsed form (throws PasswordHashFormatError). */
export function parseImportedHash(type: string, hash: string): ParsedHash {
  if (!isSupportedHashType(type)) {
    throw new PasswordHashFormatError(
      'unsupported_type',
      `Unsupported password_hash_type ${quoted(type)}; supported: ${SUPPORTED_HASH_TYPES.join(', ')}`,
    );
  }
  if (typeof hash !== 'string' || hash.length === 0) throw malformed(`${type} hash must not be empty`);
  if (hash.length > MAX_HASH_LENGTH) throw malformed(`${type} hash must be at most ${MAX_HASH_LENGTH} characters long`);
  if (/\s/.test(hash)) throw malformed(`${type} hash must not contain spaces or line breaks`);
  return PARSERS[type](hash);
}

/** Checks a password against a parsed imported hash. Constant-time comparison of digests. */
export function verifyImportedHash(parsed: ParsedHash, password: string): Promise<boolean> {
  switch (parsed.type) {
    case 'bcrypt':
    case 'django_bcrypt_sha256':
      return verifyBcrypt(parsed, password);
    case 'argon2':
      return verifyArgon2(parsed, password);
    case 'scrypt':
      return verifyScrypt(parsed, password);
    case 'pbkdf2':
    case 'django_pbkdf2_sha256':
      return verifyPbkdf2(parsed, password);
    case 'ssha':
    case 'ssha256':
      return verifySsha(parsed, password);
    case 'firebase-scrypt':
      return verifyFirebaseScrypt(parsed, password);
    case 'sha256_crypt':
    case 'sha512_crypt':
      return verifyShaCrypt(parsed, password);
    case 'md5_crypt':
      return verifyMd5Crypt(parsed, password);
    case 'phpass':
      return verifyPhpass(parsed, password);
    case 'ldap':
      return verifyLdap(parsed, password);
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
    case 'hmac':
      return verifyDigest(parsed, password);
  }
}
