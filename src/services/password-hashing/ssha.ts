/** LDAP salted SHA: {SSHA} = base64(sha1(password ‖ salt) ‖ salt), {SSHA256} the same with SHA-256. */
import { createHash } from 'node:crypto';
import { constantTimeEqual, decodeBase64 } from './encoding.ts';
import { malformed } from './errors.ts';
import type { ParsedSsha } from './types.ts';

interface Scheme {
  prefix: string;
  algorithm: 'sha1' | 'sha256';
  digestBytes: number;
  digestName: string;
}

const SCHEMES: Record<ParsedSsha['type'], Scheme> = {
  ssha: { prefix: '{SSHA}', algorithm: 'sha1', digestBytes: 20, digestName: '20-byte SHA-1' },
  ssha256: { prefix: '{SSHA256}', algorithm: 'sha256', digestBytes: 32, digestName: '32-byte SHA-256' },
};
const SALT_BYTES = { min: 4, max: 64 };

/** LDAP scheme names are case-insensitive ({ssha} is accepted too). */
function hasPrefix(hash: string, prefix: string): boolean {
  return hash.slice(0, prefix.length).toUpperCase() === prefix;
}

export function parseSsha(type: ParsedSsha['type'], hash: string): ParsedSsha {
  const scheme = SCHEMES[type];
  const other: ParsedSsha['type'] = type === 'ssha' ? 'ssha256' : 'ssha';
  if (!hasPrefix(hash, scheme.prefix)) {
    if (hasPrefix(hash, SCHEMES[other].prefix)) {
      throw malformed(`${type} hash starts with ${SCHEMES[other].prefix}; import it with password_hash_type '${other}'`);
    }
    throw malformed(`${type} hash must look like ${scheme.prefix}<base64 of digest and salt>`);
  }
  const bytes = decodeBase64(hash.slice(scheme.prefix.length), 'standard', 'required');
  if (!bytes) throw malformed(`${type} hash must be ${scheme.prefix} followed by standard base64 with = padding`);
  const saltLength = bytes.length - scheme.digestBytes;
  if (saltLength < SALT_BYTES.min || saltLength > SALT_BYTES.max) {
    throw malformed(`${type} hash must hold a ${scheme.digestName} digest followed by a salt of 4 to 64 bytes`);
  }
  return { type, hash: bytes.subarray(0, scheme.digestBytes), salt: bytes.subarray(scheme.digestBytes) };
}

export async function verifySsha(parsed: ParsedSsha, password: string): Promise<boolean> {
  const digest = createHash(SCHEMES[parsed.type].algorithm).update(password, 'utf8').update(parsed.salt).digest();
  return constantTimeEqual(digest, parsed.hash);
}
