/**
 * Plain and salted message digests and HMACs, in Ory Kratos's import encodings (hash/hash_comparator.go):
 *   md5/sha1/sha256/sha512  $<fn>$<b64 digest>                         digest(password)
 *                           $<fn>$pf=<b64 pattern>$<b64 salt>$<b64 digest>  digest(pattern with {SALT}, {PASSWORD} filled in)
 *   hmac                    $hmac-<fn>$<b64 digest>$<b64 key>          HMAC(key, password)
 *                           $hmac-<fn>$pf=<b64 pattern>$<b64 salt>$<b64 digest>$<b64 key>
 *                           (our extension for Auth0's salted hmac: HMAC(key, filled-in pattern))
 * One hash computation each: nothing for a ceiling to bound.
 */
import { createHash, createHmac } from 'node:crypto';
import { constantTimeEqual, decodeBase64 } from './encoding.ts';
import { malformed } from './errors.ts';
import type { DigestAlgorithm, ParsedDigest } from './types.ts';

export const DIGEST_BYTES: Record<DigestAlgorithm, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };
const ALGORITHMS = Object.keys(DIGEST_BYTES) as DigestAlgorithm[];
const MAX_PATTERN_BYTES = 256;
const MAX_SALT_BYTES = 256;
const MAX_KEY_BYTES = 256;
const PLACEHOLDERS = /\{SALT\}|\{PASSWORD\}/g;

export function parseDigest(type: DigestAlgorithm, hash: string): ParsedDigest {
  const fields = hash.split('$');
  const shape = `${type} hash must look like $${type}$<base64 digest> or $${type}$pf=<base64 pattern>$<base64 salt>$<base64 digest>`;
  if (fields[0] !== '' || fields[1] !== type) {
    const other = ALGORITHMS.find((name) => fields[0] === '' && fields[1] === name);
    if (other) throw malformed(`${type} hash starts with $${other}$; import it with password_hash_type '${other}'`);
    throw malformed(shape);
  }
  if (fields.length === 3) {
    return { type, algorithm: type, pattern: null, salt: Buffer.alloc(0), key: null, hash: readDigest(type, type, fields[2]) };
  }
  if (fields.length !== 5) throw malformed(shape);
  return { type, algorithm: type, ...readSalted(type, fields[2], fields[3]), key: null, hash: readDigest(type, type, fields[4]) };
}

export function parseHmac(hash: string): ParsedDigest {
  const fields = hash.split('$');
  const shape = 'hmac hash must look like $hmac-<md5|sha1|sha256|sha512>$<base64 digest>$<base64 key>, or with a salt $hmac-<fn>$pf=<base64 pattern>$<base64 salt>$<base64 digest>$<base64 key>';
  const match = /^hmac-(.+)$/.exec(fields[1] ?? '');
  if (fields[0] !== '' || !match) throw malformed(shape);
  const algorithm = ALGORITHMS.find((name) => name === match[1]);
  if (!algorithm) throw malformed(`hmac digest function must be md5, sha1, sha256 or sha512, not '${(match[1] ?? '').slice(0, 20)}'`);
  let parsed: Omit<ParsedDigest, 'key'>;
  if (fields.length === 4) {
    parsed = { type: 'hmac', algorithm, pattern: null, salt: Buffer.alloc(0), ...readHmacDigest(algorithm, fields[2]) };
  } else if (fields.length === 6) {
    parsed = { type: 'hmac', algorithm, ...readSalted('hmac', fields[2], fields[3]), ...readHmacDigest(algorithm, fields[4]) };
  } else {
    throw malformed(shape);
  }
  const key = decodeBase64(fields.at(-1) ?? '', 'standard', 'optional');
  if (!key || key.length === 0 || key.length > MAX_KEY_BYTES) throw malformed(`hmac key (the last field) must be standard base64 of 1 to ${MAX_KEY_BYTES} bytes`);
  return { ...parsed, key };
}

function readSalted(type: string, patternField: string | undefined, saltField: string | undefined): Pick<ParsedDigest, 'pattern' | 'salt'> {
  if (!patternField?.startsWith('pf=')) throw malformed(`${type} salted hash must carry its pattern as pf=<base64 of e.g. {SALT}{PASSWORD}>`);
  const patternBytes = decodeBase64(patternField.slice(3), 'standard', 'optional');
  if (!patternBytes || patternBytes.length === 0 || patternBytes.length > MAX_PATTERN_BYTES) {
    throw malformed(`${type} pattern pf= must be standard base64 of 1 to ${MAX_PATTERN_BYTES} bytes`);
  }
  // latin1 keeps every byte of the pattern as one character, so the literal parts survive as bytes.
  const pattern = patternBytes.toString('latin1');
  if (!pattern.includes('{PASSWORD}')) throw malformed(`${type} pattern pf= must contain {PASSWORD} (e.g. {SALT}{PASSWORD} or {PASSWORD}{SALT})`);
  const salt = decodeBase64(saltField ?? '', 'standard', 'optional');
  if (!salt || salt.length > MAX_SALT_BYTES) throw malformed(`${type} salt must be standard base64 of at most ${MAX_SALT_BYTES} bytes`);
  return { pattern, salt };
}

function readDigest(type: string, algorithm: DigestAlgorithm, field: string | undefined): Buffer {
  const digest = decodeBase64(field ?? '', 'standard', 'optional');
  const bytes = DIGEST_BYTES[algorithm];
  if (!digest || digest.length !== bytes) throw malformed(`${type} digest must be standard base64 of ${bytes} bytes`);
  return digest;
}

/**
 * Kratos compares the decoded field with the HMAC's hex text (CompareHMAC), so its own exports
 * hold base64 of hex; Auth0 and most others give the raw digest. The length tells them apart.
 */
function readHmacDigest(algorithm: DigestAlgorithm, field: string | undefined): Pick<ParsedDigest, 'hash'> {
  const digest = decodeBase64(field ?? '', 'standard', 'optional');
  const bytes = DIGEST_BYTES[algorithm];
  if (digest && digest.length === bytes) return { hash: digest };
  if (digest && digest.length === 2 * bytes && /^[0-9a-fA-F]+$/.test(digest.toString('latin1'))) {
    return { hash: Buffer.from(digest.toString('latin1'), 'hex') };
  }
  throw malformed(`hmac-${algorithm} digest must be standard base64 of the ${bytes}-byte HMAC (or of its ${2 * bytes}-character hex text, as Ory Kratos writes it)`);
}

/** The bytes that were hashed: the password alone, or the pattern with salt and password filled in. */
function message(parsed: ParsedDigest, password: string): Buffer {
  const pw = Buffer.from(password, 'utf8');
  if (parsed.pattern === null) return pw;
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of parsed.pattern.matchAll(PLACEHOLDERS)) {
    parts.push(Buffer.from(parsed.pattern.slice(last, match.index), 'latin1'), match[0] === '{SALT}' ? parsed.salt : pw);
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(parsed.pattern.slice(last), 'latin1'));
  return Buffer.concat(parts);
}

export async function verifyDigest(parsed: ParsedDigest, password: string): Promise<boolean> {
  const input = message(parsed, password);
  const computed = parsed.key ? createHmac(parsed.algorithm, parsed.key).update(input).digest() : createHash(parsed.algorithm).update(input).digest();
  return constantTimeEqual(computed, parsed.hash);
}
