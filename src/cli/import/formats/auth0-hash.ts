/**
 * Auth0's bulk-import `custom_password_hash` (auth0.com/docs, "Bulk User Import Database Schema and
 * Examples") as a Userplane hash. Every algorithm and option Userplane can verify is mapped; md4,
 * pbkdf2/hmac digests other than md5/sha1/sha256/sha512, and passwords hashed in an encoding other
 * than UTF-8 cannot be verified and are a failure of the record with that reason.
 */
import { b64, decodeBytes, digestHash, hmacHash, isDigestName, type ByteEncoding } from './hashes.ts';
import { isObject, type HashResult, type JsonObject } from './mapping.ts';

const ENCODINGS = ['hex', 'base64', 'utf8'] as const;

function encodingOf(value: unknown, fallback: ByteEncoding, what: string): ByteEncoding | { error: string } {
  if (value === undefined || value === null) return fallback;
  const name = String(value).toLowerCase().replace('utf-8', 'utf8');
  return (ENCODINGS as readonly string[]).includes(name) ? (name as ByteEncoding) : { error: `custom_password_hash ${what} encoding "${String(value)}" is not hex, base64 or utf8` };
}

/** The bytes of `{value, encoding}`; an encoding omitted is guessed for digests (hex when it reads as hex of the right length). */
function bytesOf(part: unknown, what: string, fallback: ByteEncoding, expectLength?: number): Buffer | { error: string } {
  if (!isObject(part) || typeof part.value !== 'string' || part.value === '') return { error: `custom_password_hash ${what}.value is missing` };
  let encoding = encodingOf(part.encoding, fallback, what);
  if (typeof encoding === 'object') return encoding;
  if (part.encoding === undefined && expectLength !== undefined) {
    encoding = /^[0-9a-fA-F]+$/.test(part.value) && part.value.length === expectLength * 2 ? 'hex' : 'base64';
  }
  return decodeBytes(part.value, encoding) ?? { error: `custom_password_hash ${what}.value is not valid ${encoding}` };
}

function saltOf(custom: JsonObject, hash: JsonObject): { bytes: Buffer; position: 'prefix' | 'suffix' } | undefined | { error: string } {
  // The schema's table nests it under hash; its own examples put it beside hash. Both are read.
  const salt = custom.salt ?? hash.salt;
  if (salt === undefined || salt === null) return undefined;
  const bytes = bytesOf(salt, 'salt', 'utf8');
  if ('error' in bytes) return bytes;
  const position = (salt as JsonObject).position;
  if (position !== 'prefix' && position !== 'suffix') return { error: 'custom_password_hash salt.position must be "prefix" or "suffix"' };
  return { bytes, position };
}

const fail = (error: string): HashResult => ({ error });

export function auth0CustomHash(custom: unknown): HashResult {
  if (!isObject(custom)) return fail('custom_password_hash must be an object');
  const algorithm = String(custom.algorithm ?? '');
  const hash = isObject(custom.hash) ? custom.hash : {};
  const password = isObject(custom.password) ? custom.password : {};
  const passwordEncoding = String(password.encoding ?? 'utf8').toLowerCase();
  if (passwordEncoding !== 'utf8' && passwordEncoding !== 'utf-8') {
    return fail(`custom_password_hash password.encoding "${passwordEncoding}": Userplane verifies passwords as UTF-8 only`);
  }
  const value = typeof hash.value === 'string' ? hash.value : '';
  if (value === '') return fail('custom_password_hash hash.value is missing');

  switch (algorithm) {
    case 'bcrypt':
      return /^\$2[aby]\$/.test(value) ? { hash: value, type: 'bcrypt' } : fail('custom_password_hash bcrypt value must start with $2a$, $2b$ or $2y$');
    case 'argon2':
      return { hash: value, type: 'argon2' };
    case 'ldap':
      return { hash: value, type: 'ldap' };
    case 'pbkdf2':
      return pbkdf2(value);
    case 'scrypt':
      return scrypt(custom, hash);
    case 'md4':
      return fail('custom_password_hash algorithm md4: Userplane cannot verify md4 hashes; to import the user without its password, delete custom_password_hash from the record in the errors file and import that file again');
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      const digest = bytesOf(hash, 'hash', 'hex', { md5: 16, sha1: 20, sha256: 32, sha512: 64 }[algorithm]);
      if ('error' in digest) return digest;
      const salt = saltOf(custom, hash);
      if (salt && 'error' in salt) return salt;
      return digestHash(algorithm, digest, salt);
    }
    case 'hmac': {
      if (!isDigestName(hash.digest)) {
        return fail(`custom_password_hash hmac digest "${String(hash.digest)}": Userplane verifies hmac with md5, sha1, sha256 or sha512 only`);
      }
      const digest = bytesOf(hash, 'hash', 'hex', { md5: 16, sha1: 20, sha256: 32, sha512: 64 }[hash.digest]);
      if ('error' in digest) return digest;
      const key = bytesOf(hash.key, 'hash.key', 'utf8');
      if ('error' in key) return key;
      const salt = saltOf(custom, hash);
      if (salt && 'error' in salt) return salt;
      return hmacHash(hash.digest, digest, key, salt);
    }
    default:
      return fail(`custom_password_hash algorithm "${algorithm}" is not one of Auth0's (argon2, bcrypt, hmac, ldap, md4, md5, sha1, sha256, sha512, pbkdf2, scrypt)`);
  }
}

/** `$pbkdf2-<digest>$i=…,l=…$<B64 salt>$<B64 hash>` (Auth0 defaults i=100000, l=64) → `$pbkdf2$i=…,d=…$salt$hash`. */
function pbkdf2(value: string): HashResult {
  const match = /^\$pbkdf2-([A-Za-z0-9-]+)\$([^$]*)\$([^$]+)\$([^$]+)$/.exec(value);
  if (!match) return fail('custom_password_hash pbkdf2 value must be a PHC string $pbkdf2-<digest>$i=…,l=…$<salt>$<hash>');
  const digest = match[1]!.toLowerCase().replace(/^rsa-/, '');
  if (digest !== 'sha1' && digest !== 'sha256' && digest !== 'sha512') {
    return fail(`custom_password_hash pbkdf2 digest "${match[1]}": Userplane verifies pbkdf2 with sha1, sha256 or sha512 only`);
  }
  const params = new Map((match[2] ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
  const iterations = params.get('i') ?? '100000';
  const keyLength = Number(params.get('l') ?? '64');
  const salt = decodeBytes(match[3]!, 'base64');
  const hash = decodeBytes(match[4]!, 'base64');
  if (!salt || !hash) return fail('custom_password_hash pbkdf2 salt and hash must be base64');
  if (hash.length !== keyLength) return fail(`custom_password_hash pbkdf2 hash decodes to ${hash.length} bytes but l=${keyLength}`);
  return { hash: `$pbkdf2$i=${iterations},d=${digest}$${b64(salt)}$${b64(hash)}`, type: 'pbkdf2' };
}

/** scrypt with keylen, cost (N, default 16384), blockSize (r, default 8), parallelization (p, default 1). */
function scrypt(custom: JsonObject, hash: JsonObject): HashResult {
  const digest = bytesOf(hash, 'hash', 'hex');
  if ('error' in digest) return digest;
  const salt = custom.salt ?? hash.salt;
  const saltBytes = bytesOf(salt, 'salt', 'utf8');
  if ('error' in saltBytes) return saltBytes;
  const n = Number(custom.cost ?? 16384);
  const r = Number(custom.blockSize ?? 8);
  const p = Number(custom.parallelization ?? 1);
  const keyLength = Number(custom.keylen ?? digest.length);
  if (![n, r, p, keyLength].every(Number.isInteger)) return fail('custom_password_hash scrypt cost, blockSize, parallelization and keylen must be whole numbers');
  if (keyLength !== digest.length) return fail(`custom_password_hash scrypt hash decodes to ${digest.length} bytes but keylen is ${keyLength}`);
  return { hash: `$scrypt$v=1$n=${n},r=${r},p=${p},kl=${keyLength}$${b64(saltBytes)}$${b64(digest)}`, type: 'scrypt' };
}
