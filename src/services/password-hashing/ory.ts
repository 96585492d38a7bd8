/**
 * Any `hashed_password` Ory Kratos's identity import accepts (hash/hash_comparator.go), recognised
 * by its prefix and handed to the matching family, so each keeps its own ceilings. The string is
 * stored as given with type 'ory' (an export gives it back unchanged). Kratos's own quirks are kept:
 * `$scrypt$ln=` is N itself (not its log2), `$firescrypt$ln=` is Firebase's mem_cost, and
 * `$pbkdf2-<fn>$` salt and hash are unpadded base64.
 */
import { parseArgon2 } from './argon2.ts';
import { parseBcrypt } from './bcrypt.ts';
import { parseDigest, parseHmac } from './digest.ts';
import { decodeBase64, hasExactly, parseDecimal, splitPhcParams } from './encoding.ts';
import { PasswordHashFormatError, malformed } from './errors.ts';
import { parseLdap } from './ldap.ts';
import { parseMd5Crypt } from './md5-crypt.ts';
import { readIterations } from './pbkdf2.ts';
import { checkScryptBounds } from './scrypt.ts';
import { parseShaCrypt } from './sha-crypt.ts';
import type { ParsedFirebaseScrypt, ParsedHash, ParsedPbkdf2, ParsedScrypt, Pbkdf2Digest } from './types.ts';

const PREFIXES =
  '$2a$/$2b$/$2y$ (bcrypt), $argon2id$/$argon2i$, $pbkdf2-<fn>$, $scrypt$, $firescrypt$, {SSHA}/{SSHA256}/{SSHA512}, ' +
  '$md5$, $sha1$/$sha256$/$sha512$, $hmac-<fn>$, $md5-crypt$, $sha256-crypt$ or $sha512-crypt$';
// Kratos runs SHA3-224 and SHA3-384 for these two names (hash/hasher_pbkdf2.go), so we do too.
const PBKDF2_DIGESTS = new Map<string, Pbkdf2Digest>([['sha1', 'sha1'], ['sha224', 'sha3-224'], ['sha256', 'sha256'], ['sha384', 'sha3-384'], ['sha512', 'sha512']]);

export function parseOry(hash: string): ParsedHash {
  try {
    return dispatch(hash);
  } catch (error) {
    // Name the ory type in every message: the family's own message would name another type.
    if (error instanceof PasswordHashFormatError && !error.message.startsWith('ory ')) throw malformed(`ory hash: ${error.message}`, error.reason);
    throw error;
  }
}

function dispatch(hash: string): ParsedHash {
  if (/^\$2[aby]?\$/.test(hash)) return parseBcrypt(hash);
  if (/^\$argon2(id|i)\$/.test(hash)) return parseArgon2(hash);
  if (/^\{SSHA(256|512)?\}/.test(hash)) return parseLdap(hash);
  if (hash.startsWith('$md5-crypt$')) return parseMd5Crypt(`$1$${hash.slice('$md5-crypt$'.length)}`);
  if (hash.startsWith('$sha256-crypt$')) return parseShaCrypt('sha256_crypt', `$5$${hash.slice('$sha256-crypt$'.length)}`);
  if (hash.startsWith('$sha512-crypt$')) return parseShaCrypt('sha512_crypt', `$6$${hash.slice('$sha512-crypt$'.length)}`);
  if (hash.startsWith('$hmac-')) return parseHmac(hash);
  const digest = /^\$(md5|sha1|sha256|sha512)\$/.exec(hash)?.[1] as 'md5' | 'sha1' | 'sha256' | 'sha512' | undefined;
  if (digest) return parseDigest(digest, hash);
  if (hash.startsWith('$pbkdf2-')) return parsePbkdf2(hash);
  if (hash.startsWith('$scrypt$')) return parseScrypt(hash);
  if (hash.startsWith('$firescrypt$')) return parseFirescrypt(hash);
  throw malformed(`ory hash must start with one of ${PREFIXES}`);
}

/** $pbkdf2-<fn>$i=<iterations>,l=<key length>$<salt>$<hash> */
function parsePbkdf2(hash: string): ParsedPbkdf2 {
  const fields = hash.split('$');
  const shape = 'ory hash $pbkdf2-<fn>$ must look like $pbkdf2-sha256$i=<iterations>,l=<key length>$<salt>$<hash>';
  if (fields.length !== 5) throw malformed(shape);
  const digest = PBKDF2_DIGESTS.get((fields[1] ?? '').slice('pbkdf2-'.length));
  if (!digest) throw malformed('ory hash $pbkdf2-<fn>$ digest must be sha1, sha224, sha256, sha384 or sha512');
  const params = splitPhcParams(fields[2] ?? '');
  if (!params || !hasExactly(params, ['i', 'l'])) throw malformed(shape);
  const iterations = readIterations(params.get('i'));
  const keyLength = parseDecimal(params.get('l'));
  const salt = decodeBase64(fields[3] ?? '', 'standard', 'optional');
  const key = decodeBase64(fields[4] ?? '', 'standard', 'optional');
  if (!salt || salt.length === 0) throw malformed('ory hash $pbkdf2-<fn>$ salt must be non-empty base64');
  if (!key || key.length < 16 || key.length > 128) throw malformed('ory hash $pbkdf2-<fn>$ hash must be base64 of 16 to 128 bytes');
  if (keyLength !== key.length) throw malformed(`ory hash $pbkdf2-<fn>$ l= must equal the hash's length (${key.length} bytes)`);
  return { type: 'pbkdf2', digest, iterations, salt, hash: key };
}

function readCost(text: string | undefined, what: string): { ln: number; r: number; p: number } {
  const params = splitPhcParams(text ?? '');
  const [ln, r, p] = ['ln', 'r', 'p'].map((name) => parseDecimal(params?.get(name)));
  if (!params || !hasExactly(params, ['ln', 'r', 'p']) || ln == null || r == null || p == null) {
    throw malformed(`ory hash ${what} parameters must be ln=<whole number>,r=<whole number>,p=<whole number>`);
  }
  return { ln, r, p };
}

function readBytes(text: string | undefined, what: string): Buffer {
  const bytes = decodeBase64(text ?? '', 'standard', 'optional');
  if (!bytes || bytes.length === 0) throw malformed(`ory hash ${what} must be non-empty standard base64`);
  return bytes;
}

/** $scrypt$ln=<N>,r=<r>,p=<p>$<salt>$<hash>: Kratos hands ln to scrypt as N itself. */
function parseScrypt(hash: string): ParsedScrypt {
  const fields = hash.split('$');
  if (fields.length !== 5) throw malformed('ory hash $scrypt$ must look like $scrypt$ln=<N>,r=<r>,p=<p>$<salt>$<hash>');
  const { ln: n, r, p } = readCost(fields[2], '$scrypt$');
  const salt = readBytes(fields[3], '$scrypt$ salt');
  const digest = readBytes(fields[4], '$scrypt$ hash');
  checkScryptBounds('ory hash $scrypt$ (ln is N itself, as Kratos reads it)', n, r, p, digest.length);
  return { type: 'scrypt', n, r, p, keyLength: digest.length, salt, hash: digest };
}

/** $firescrypt$ln=<mem_cost>,r=<rounds>,p=1$<salt>$<hash>$<salt separator>$<signer key> */
function parseFirescrypt(hash: string): ParsedFirebaseScrypt {
  const fields = hash.split('$');
  if (fields.length !== 7) {
    throw malformed('ory hash $firescrypt$ must look like $firescrypt$ln=<mem_cost>,r=<rounds>,p=1$<salt>$<hash>$<salt separator>$<signer key>');
  }
  const { ln, r, p } = readCost(fields[2], '$firescrypt$');
  if (p !== 1) throw malformed('ory hash $firescrypt$ p must be 1 (Firebase scrypt has no parallelism)');
  if (r < 1 || r > 8) throw malformed('ory hash $firescrypt$ rounds r= must be between 1 and 8');
  if (ln < 1 || ln > 14) throw malformed('ory hash $firescrypt$ mem cost ln= must be between 1 and 14');
  const parsed: ParsedFirebaseScrypt = {
    type: 'firebase-scrypt',
    rounds: r,
    memCost: ln,
    salt: readBytes(fields[3], '$firescrypt$ salt'),
    hash: readBytes(fields[4], '$firescrypt$ hash'),
    saltSeparator: readBytes(fields[5], '$firescrypt$ salt separator'),
    signerKey: readBytes(fields[6], '$firescrypt$ signer key'),
  };
  if (parsed.hash.length !== parsed.signerKey.length) throw malformed('ory hash $firescrypt$ hash must decode to as many bytes as the signer key');
  return parsed;
}
