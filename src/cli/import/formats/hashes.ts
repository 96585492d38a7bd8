/**
 * Source password hashes rewritten into the strings the batch API's password_hash_type parses
 * (src/services/password-hashing; md5/sha*, hmac, werkzeug and ory are the families of issue 15,
 * item 5). Byte values are re-encoded as standard padded base64; a digest of the wrong length for its
 * algorithm is refused here, with the encoding named, rather than imported as a hash nobody can match.
 */
import type { HashResult } from './mapping.ts';

export type DigestName = 'md5' | 'sha1' | 'sha256' | 'sha512';
export const DIGEST_BYTES: Record<DigestName, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

export function isDigestName(value: unknown): value is DigestName {
  return typeof value === 'string' && Object.hasOwn(DIGEST_BYTES, value);
}

export type ByteEncoding = 'hex' | 'base64' | 'utf8';

/** Bytes of a value in hex (either case), base64 (standard or url-safe, padded or not) or UTF-8 text; null when it is not that. */
export function decodeBytes(value: string, encoding: ByteEncoding): Buffer | null {
  if (encoding === 'utf8') return Buffer.from(value, 'utf8');
  if (encoding === 'hex') return /^(?:[0-9a-fA-F]{2})*$/.test(value) ? Buffer.from(value, 'hex') : null;
  const text = value.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/_-]*$/.test(text) || text.length % 4 === 1) return null;
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export const b64 = (bytes: Buffer): string => bytes.toString('base64');

/** The pattern a salted digest was computed with, in Ory's {SALT}/{PASSWORD} notation. */
export function saltPattern(position: 'prefix' | 'suffix'): string {
  return position === 'prefix' ? '{SALT}{PASSWORD}' : '{PASSWORD}{SALT}';
}

/** `$<fn>$<b64 digest>`, or salted `$<fn>$pf=<b64 pattern>$<b64 salt>$<b64 digest>` (type md5, sha1, sha256 or sha512). */
export function digestHash(fn: DigestName, digest: Buffer, salt?: { bytes: Buffer; position: 'prefix' | 'suffix' }): HashResult {
  if (digest.length !== DIGEST_BYTES[fn]) {
    return { error: `The ${fn} hash decodes to ${digest.length} bytes; an ${fn} digest has ${DIGEST_BYTES[fn]} (is its encoding right?)` };
  }
  if (!salt || salt.bytes.length === 0) return { hash: `$${fn}$${b64(digest)}`, type: fn };
  const pattern = Buffer.from(saltPattern(salt.position)).toString('base64');
  return { hash: `$${fn}$pf=${pattern}$${b64(salt.bytes)}$${b64(digest)}`, type: fn };
}

/** `$hmac-<fn>$<b64 digest>$<b64 key>`, or salted `$hmac-<fn>$pf=<b64 pattern>$<b64 salt>$<b64 digest>$<b64 key>` (type hmac). */
export function hmacHash(fn: DigestName, digest: Buffer, key: Buffer, salt?: { bytes: Buffer; position: 'prefix' | 'suffix' }): HashResult {
  if (digest.length !== DIGEST_BYTES[fn]) {
    return { error: `The hmac-${fn} hash decodes to ${digest.length} bytes; an hmac-${fn} digest has ${DIGEST_BYTES[fn]} (is its encoding right?)` };
  }
  if (key.length === 0) return { error: 'The hmac key is empty' };
  if (!salt || salt.bytes.length === 0) return { hash: `$hmac-${fn}$${b64(digest)}$${b64(key)}`, type: 'hmac' };
  const pattern = Buffer.from(saltPattern(salt.position)).toString('base64');
  return { hash: `$hmac-${fn}$pf=${pattern}$${b64(salt.bytes)}$${b64(digest)}$${b64(key)}`, type: 'hmac' };
}

export interface FirebaseScryptParts {
  /** All four in base64 as Firebase prints them. */
  hash: string;
  salt: string;
  signerKey: string;
  saltSeparator: string;
  rounds: number | string;
  memCost: number | string;
}

/** Userplane's firebase-scrypt string from a user's hash and salt and the project's parameters. */
export function firebaseScryptHash(parts: FirebaseScryptParts): HashResult {
  const bytes = (name: string, value: string): Buffer | string => decodeBytes(value, 'base64') ?? `Firebase ${name} is not base64`;
  const fields = { hash: bytes('passwordHash', parts.hash), salt: bytes('salt', parts.salt), sk: bytes('base64_signer_key', parts.signerKey), ss: bytes('base64_salt_separator', parts.saltSeparator) };
  for (const value of Object.values(fields)) if (typeof value === 'string') return { error: value };
  const encoded = Object.entries(fields).map(([name, value]) => `${name}=${b64(value as Buffer)}`);
  return { hash: `$firebase-scrypt$${encoded.join('$')}$r=${parts.rounds}$m=${parts.memCost}`, type: 'firebase-scrypt' };
}

/** A self-describing hash string by its prefix: bcrypt, argon2 PHC or an LDAP {SCHEME}; undefined otherwise. */
export function selfDescribing(hash: string): HashResult | undefined {
  if (/^\$2[aby]\$/.test(hash)) return { hash, type: 'bcrypt' };
  if (/^\$argon2(id|i|d)\$/.test(hash)) return { hash, type: 'argon2' };
  if (/^\{[A-Za-z0-9]+\}/.test(hash)) return { hash, type: 'ldap' };
  return undefined;
}
