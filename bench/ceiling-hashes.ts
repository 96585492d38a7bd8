/** Hashes at exactly each family's ceiling, with random digests (a wrong password costs what a right one does). */
import { randomBytes } from 'node:crypto';
import { hashSync } from '@node-rs/bcrypt';
import type { HashCeilings } from '../src/services/password-hashing/index.ts';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64').replace(/=+$/, '');
// A real (cheap) bcrypt hash with its cost raised: the native verifier answers a non-canonical salt
// at once, so random characters would measure nothing.
const bcryptAt = (cost: number) => hashSync('x', 4).replace(/^\$2b\$04\$/, `$2b$${String(cost).padStart(2, '0')}$`);

/** Random characters of crypt(3)'s base64 alphabet. */
const cryptChars = (n: number) => [...randomBytes(n)].map((byte) => './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[byte & 63]).join('');

export interface Case {
  name: string;
  setting: string;
  type: string;
  hash: string;
}

/** One hash per family at exactly its ceiling (plus our own argon2id, for comparison). */
export function cases(c: HashCeilings): Case[] {
  // The largest power-of-two N with 128·N·8 bytes within the scrypt ceiling, r = 8, p = 1.
  const scryptN = 2 ** Math.floor(Math.log2((c.scryptMiB * 1024 * 1024) / (128 * 8)));
  const firebase = `$firebase-scrypt$hash=${b64(32)}$salt=${b64(16)}$sk=${b64(32)}$ss=Bw$r=${c.firebaseRounds}$m=${c.firebaseMemCost}`;
  return [
    { name: `argon2id m=${c.argon2MemoryKiB} KiB t=${c.argon2Time} p=1`, setting: 'USERPLANE_HASH_MAX_ARGON2_*', type: 'argon2', hash: `$argon2id$v=19$m=${c.argon2MemoryKiB},t=${c.argon2Time},p=1$${b64(16)}$${b64(32)}` },
    { name: `argon2id m=${c.argon2MemoryKiB} KiB t=${c.argon2Time} p=4`, setting: 'USERPLANE_HASH_MAX_ARGON2_*', type: 'argon2', hash: `$argon2id$v=19$m=${c.argon2MemoryKiB},t=${c.argon2Time},p=4$${b64(16)}$${b64(32)}` },
    { name: `scrypt N=2^${Math.log2(scryptN)} r=8 p=1`, setting: 'USERPLANE_HASH_MAX_SCRYPT_MIB', type: 'scrypt', hash: `$scrypt$v=1$n=${scryptN},r=8,p=1,kl=32$${b64(16)}$${b64(32)}` },
    { name: `pbkdf2-sha1 ${c.pbkdf2Iterations} (20 B)`, setting: 'USERPLANE_HASH_MAX_PBKDF2_ITERATIONS', type: 'pbkdf2', hash: `$pbkdf2$i=${c.pbkdf2Iterations},d=sha1$${b64(16)}$${b64(20)}` },
    { name: `pbkdf2-sha256 ${c.pbkdf2Iterations} (32 B)`, setting: 'USERPLANE_HASH_MAX_PBKDF2_ITERATIONS', type: 'pbkdf2', hash: `$pbkdf2$i=${c.pbkdf2Iterations},d=sha256$${b64(16)}$${b64(32)}` },
    { name: `pbkdf2-sha512 ${c.pbkdf2Sha512Iterations} (64 B)`, setting: 'USERPLANE_HASH_MAX_PBKDF2_SHA512_ITERATIONS', type: 'pbkdf2', hash: `$pbkdf2$i=${c.pbkdf2Sha512Iterations},d=sha512$${b64(16)}$${b64(64)}` },
    { name: `bcrypt cost ${c.bcryptCost}`, setting: 'USERPLANE_HASH_MAX_BCRYPT_COST', type: 'bcrypt', hash: bcryptAt(c.bcryptCost) },
    { name: `firebase-scrypt r=${c.firebaseRounds} mem_cost=${c.firebaseMemCost}`, setting: 'USERPLANE_HASH_MAX_FIREBASE_*', type: 'firebase-scrypt', hash: firebase },
    { name: `sha512_crypt rounds=${c.shaCryptRounds}`, setting: 'USERPLANE_HASH_MAX_SHA_CRYPT_ROUNDS', type: 'sha512_crypt', hash: `$6$rounds=${c.shaCryptRounds}$saltstring$${cryptChars(86)}` },
    { name: `sha256_crypt rounds=${c.shaCryptRounds}`, setting: 'USERPLANE_HASH_MAX_SHA_CRYPT_ROUNDS', type: 'sha256_crypt', hash: `$5$rounds=${c.shaCryptRounds}$saltstring$${cryptChars(43)}` },
    { name: `phpass 2^${c.phpassLog2Rounds}`, setting: 'USERPLANE_HASH_MAX_PHPASS_LOG2_ROUNDS', type: 'phpass', hash: `$P$${'./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[c.phpassLog2Rounds]}${cryptChars(30)}` },
    { name: 'md5_crypt (no ceiling)', setting: '-', type: 'md5_crypt', hash: `$1$saltsalt$${cryptChars(22)}` },
    { name: 'ssha256 (no ceiling)', setting: '-', type: 'ssha256', hash: `{SSHA256}${randomBytes(40).toString('base64')}` },
    { name: 'ours: argon2id m=19456 KiB t=2 p=1', setting: '-', type: 'argon2', hash: `$argon2id$v=19$m=19456,t=2,p=1$${b64(16)}$${b64(32)}` },
  ];
}

