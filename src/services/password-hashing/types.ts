/** The hash types an import may name, and the parsed forms they validate into. */
export const SUPPORTED_HASH_TYPES = ['bcrypt', 'argon2', 'scrypt', 'pbkdf2', 'ssha', 'ssha256', 'firebase-scrypt', 'sha512_crypt', 'sha256_crypt', 'md5_crypt', 'phpass', 'django_pbkdf2_sha256', 'django_bcrypt_sha256', 'ldap', 'md5', 'sha1', 'sha256', 'sha512', 'hmac', 'werkzeug', 'ory'] as const;
export type PasswordHashType = (typeof SUPPORTED_HASH_TYPES)[number];

export function isSupportedHashType(type: string): type is PasswordHashType {
  return (SUPPORTED_HASH_TYPES as readonly string[]).includes(type);
}

export interface ParsedBcrypt {
  /** django_bcrypt_sha256: bcrypt is given the password's SHA-256 in hex (Django's BCryptSHA256PasswordHasher). */
  type: 'bcrypt' | 'django_bcrypt_sha256';
  variant: '2a' | '2b' | '2y';
  cost: number;
  /** The 60-character bcrypt hash (without Django's bcrypt_sha256$ prefix). */
  encoded: string;
}

export interface ParsedArgon2 {
  type: 'argon2';
  variant: 'argon2id' | 'argon2i' | 'argon2d';
  version: 19;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
  /** The PHC string as given, handed to @node-rs/argon2 to verify. */
  encoded: string;
}

export interface ParsedScrypt {
  type: 'scrypt';
  n: number;
  r: number;
  p: number;
  keyLength: number;
  salt: Buffer;
  hash: Buffer;
}

/** sha3-224 and sha3-384: what Ory Kratos runs for $pbkdf2-sha224$ and $pbkdf2-sha384$ (kept there for compatibility). */
export type Pbkdf2Digest = 'sha1' | 'sha256' | 'sha512' | 'sha3-224' | 'sha3-384';

export interface ParsedPbkdf2 {
  /** The type it was imported as (stored with the hash): Django's encoding verifies the same way. */
  type: 'pbkdf2' | 'django_pbkdf2_sha256';
  digest: Pbkdf2Digest;
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

export interface ParsedSsha {
  type: 'ssha' | 'ssha256';
  salt: Buffer;
  hash: Buffer;
}

export interface ParsedFirebaseScrypt {
  type: 'firebase-scrypt';
  /** Firebase's "rounds": scrypt r. */
  rounds: number;
  /** Firebase's "mem_cost": scrypt N = 2^memCost. */
  memCost: number;
  salt: Buffer;
  saltSeparator: Buffer;
  signerKey: Buffer;
  hash: Buffer;
}

/** crypt(3) $5$ / $6$: salt and checksum kept as the crypt strings they are. */
export interface ParsedShaCrypt {
  type: 'sha256_crypt' | 'sha512_crypt';
  /** After the spec's clamping to 1,000–999,999,999; 5,000 when the hash has no rounds= field. */
  rounds: number;
  roundsGiven: boolean;
  salt: string;
  checksum: string;
}

export interface ParsedMd5Crypt {
  type: 'md5_crypt';
  salt: string;
  checksum: string;
}

/** phpass portable hash: 2^log2Rounds MD5 rounds. */
export interface ParsedPhpass {
  type: 'phpass';
  log2Rounds: number;
  salt: string;
  checksum: string;
}

export type LdapAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

/** Any LDAP {SCHEME}: an empty salt for the unsalted ones. */
export interface ParsedLdap {
  type: 'ldap';
  algorithm: LdapAlgorithm;
  salt: Buffer;
  hash: Buffer;
}

export type DigestAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

/** md5/sha1/sha256/sha512 and hmac: one digest of the password, or of a pattern filling in salt and password. */
export interface ParsedDigest {
  type: DigestAlgorithm | 'hmac';
  algorithm: DigestAlgorithm;
  /** The pattern as latin1 text (one character a byte), with {SALT} and {PASSWORD}; null: the password alone. */
  pattern: string | null;
  salt: Buffer;
  /** The HMAC key; null for a plain digest. */
  key: Buffer | null;
  hash: Buffer;
}

export type ParsedHash =
  | ParsedBcrypt
  | ParsedArgon2
  | ParsedScrypt
  | ParsedPbkdf2
  | ParsedSsha
  | ParsedFirebaseScrypt
  | ParsedShaCrypt
  | ParsedMd5Crypt
  | ParsedPhpass
  | ParsedLdap
  | ParsedDigest;
