/**
 * Clerk's password_digest + password_hasher (Clerk Backend API, "Create a user": the digest formats
 * of each hasher) as a Userplane hash.
 */
import { b64, decodeBytes, digestHash, firebaseScryptHash } from './hashes.ts';
import type { HashResult } from './mapping.ts';

const fail = (error: string): HashResult => ({ error });

/** `<name>$<iterations>$<salt>$<hash>` split, or undefined. */
function dollarFields(digest: string, name: string): [string, string, string] | undefined {
  const parts = digest.split('$');
  return parts.length === 4 && parts[0] === name ? [parts[1]!, parts[2]!, parts[3]!] : undefined;
}

export const CLERK_HASHERS = [
  'argon2i', 'argon2id', 'bcrypt', 'bcrypt_sha256_django', 'ldap_ssha', 'md5', 'md5_phpass', 'pbkdf2_sha256',
  'pbkdf2_sha256_django', 'pbkdf2_sha1', 'phpass', 'scrypt_firebase', 'scrypt_werkzeug', 'sha256',
] as const;

export function clerkHash(hasher: string, digest: string): HashResult {
  switch (hasher) {
    case 'argon2i':
    case 'argon2id':
      return /^\$argon2(i|id)\$/.test(digest) ? { hash: digest, type: 'argon2' } : fail(`password_digest for ${hasher} must be a PHC string $${hasher}$v=19$…`);
    case 'bcrypt':
      return /^\$2[aby]\$/.test(digest) ? { hash: digest, type: 'bcrypt' } : fail('password_digest for bcrypt must start with $2a$, $2b$ or $2y$');
    case 'bcrypt_sha256_django':
      return { hash: digest, type: 'django_bcrypt_sha256' };
    case 'ldap_ssha':
      return { hash: digest, type: 'ldap' };
    case 'md5_phpass':
    case 'phpass':
      // phpass is portable MD5 ($P$/$H$) or, in its strong mode, bcrypt.
      return /^\$2[aby]\$/.test(digest) ? { hash: digest, type: 'bcrypt' } : { hash: digest, type: 'phpass' };
    case 'md5':
    case 'sha256': {
      const bytes = decodeBytes(digest, 'hex');
      return bytes ? digestHash(hasher, bytes) : fail(`password_digest for ${hasher} must be the digest in hex`);
    }
    case 'pbkdf2_sha256': {
      // Clerk's own form: salt and hash both base64.
      const fields = dollarFields(digest, 'pbkdf2_sha256');
      const salt = fields && decodeBytes(fields[1], 'base64');
      const hash = fields && decodeBytes(fields[2], 'base64');
      if (!fields || !salt || !hash) return fail('password_digest for pbkdf2_sha256 must be pbkdf2_sha256$<iterations>$<base64 salt>$<base64 hash>');
      return { hash: `$pbkdf2$i=${fields[0]},d=sha256$${b64(salt)}$${b64(hash)}`, type: 'pbkdf2' };
    }
    case 'pbkdf2_sha256_django':
      return { hash: digest, type: 'django_pbkdf2_sha256' };
    case 'pbkdf2_sha1': {
      // Django-like: the salt is used as its text, the hash is hex.
      const fields = dollarFields(digest, 'pbkdf2_sha1');
      const hash = fields && decodeBytes(fields[2], 'hex');
      if (!fields || !hash || fields[1] === '') return fail('password_digest for pbkdf2_sha1 must be pbkdf2_sha1$<iterations>$<salt>$<hex hash>');
      return { hash: `$pbkdf2$i=${fields[0]},d=sha1$${b64(Buffer.from(fields[1], 'utf8'))}$${b64(hash)}`, type: 'pbkdf2' };
    }
    case 'scrypt_firebase': {
      // hash$salt$signer_key$salt_separator$rounds$mem_cost, all base64 but the two numbers.
      const parts = digest.split('$');
      if (parts.length !== 6) return fail('password_digest for scrypt_firebase must be <hash>$<salt>$<signer key>$<salt separator>$<rounds>$<mem cost>');
      const [hash, salt, signerKey, saltSeparator, rounds, memCost] = parts as [string, string, string, string, string, string];
      return firebaseScryptHash({ hash, salt, signerKey, saltSeparator, rounds, memCost });
    }
    case 'scrypt_werkzeug':
      return { hash: digest, type: 'werkzeug' };
    default:
      return fail(`password_hasher "${hasher}" is not one Userplane can verify (${CLERK_HASHERS.join(', ')})`);
  }
}
