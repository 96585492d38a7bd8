/**
 * LDAP userPassword schemes (RFC 2307 style, OpenLDAP slappasswd and its contrib modules):
 * {MD5}, {SHA}, {SHA256}, {SHA512} = base64(digest(password)); the salted {SMD5}, {SSHA},
 * {SSHA256}, {SSHA512} = base64(digest(password ‖ salt) ‖ salt). One hash each: no ceiling.
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual, decodeBase64 } from './encoding.ts';
import { malformed } from './errors.ts';
import type { LdapAlgorithm, ParsedLdap } from './types.ts';

const DIGEST_BYTES: Record<LdapAlgorithm, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };
const SCHEMES: Record<string, { algorithm: LdapAlgorithm; salted: boolean }> = {
  MD5: { algorithm: 'md5', salted: false },
  SMD5: { algorithm: 'md5', salted: true },
  SHA: { algorithm: 'sha1', salted: false },
  SSHA: { algorithm: 'sha1', salted: true },
  SHA256: { algorithm: 'sha256', salted: false },
  SSHA256: { algorithm: 'sha256', salted: true },
  SHA512: { algorithm: 'sha512', salted: false },
  SSHA512: { algorithm: 'sha512', salted: true },
};
const SALT_BYTES = { min: 4, max: 64 };

export function parseLdap(hash: string): ParsedLdap {
  const match = /^\{([A-Za-z0-9]+)\}(.*)$/.exec(hash);
  // Scheme names are case-insensitive ({ssha} is accepted too).
  const name = match?.[1]?.toUpperCase() ?? '';
  const scheme = SCHEMES[name];
  if (!match || !scheme) {
    throw malformed('ldap hash must start with {MD5}, {SMD5}, {SHA}, {SSHA}, {SHA256}, {SSHA256}, {SHA512} or {SSHA512}');
  }
  const bytes = decodeBase64(match[2] ?? '', 'standard', 'required');
  if (!bytes) throw malformed(`ldap hash must be {${name}} followed by standard base64 with = padding`);
  const digestBytes = DIGEST_BYTES[scheme.algorithm];
  if (!scheme.salted) {
    if (bytes.length !== digestBytes) throw malformed(`ldap {${name}} hash must hold a ${digestBytes}-byte digest`);
    return { type: 'ldap', algorithm: scheme.algorithm, salt: Buffer.alloc(0), hash: bytes };
  }
  const saltLength = bytes.length - digestBytes;
  if (saltLength < SALT_BYTES.min || saltLength > SALT_BYTES.max) {
    throw malformed(`ldap {${name}} hash must hold a ${digestBytes}-byte digest followed by a salt of 4 to 64 bytes`);
  }
  return { type: 'ldap', algorithm: scheme.algorithm, hash: bytes.subarray(0, digestBytes), salt: bytes.subarray(digestBytes) };
}

export async function verifyLdap(parsed: ParsedLdap, password: string): Promise<boolean> {
  const digest = createHash(parsed.algorithm).update(password, 'utf8').update(parsed.salt).digest();
  return constantTimeEqual(digest, parsed.hash);
}
