/**
 * crypt(3) md5-crypt, $1$ (Poul-Henning Kamp's FreeBSD MD5 crypt; glibc, /etc/shadow, Cisco,
 * passlib md5_crypt). A fixed 1,000 MD5 rounds: a few milliseconds, so no ceiling.
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from './encoding.ts';
import { malformed } from './errors.ts';
import { CRYPT_ALPHABET, cryptBase64 } from './crypt-base64.ts';
import type { ParsedMd5Crypt } from './types.ts';

const MAGIC = '$1$';
const ORDER = [0, 6, 12, 1, 7, 13, 2, 8, 14, 3, 9, 15, 4, 10, 5, -1, -1, 11];
const SHAPE = 'md5_crypt hash must look like $1$<salt of up to 8 characters>$<22 characters>';

export function parseMd5Crypt(hash: string): ParsedMd5Crypt {
  const fields = hash.split('$');
  if (fields.length !== 4 || fields[0] !== '' || fields[1] !== '1') throw malformed(SHAPE);
  const salt = fields[2] ?? '';
  const checksum = fields[3] ?? '';
  if (salt.length > 8 || !/^[^$:]*$/.test(salt)) throw malformed('md5_crypt salt must be at most 8 characters, without $ or :');
  if (checksum.length !== 22 || ![...checksum].every((c) => CRYPT_ALPHABET.includes(c))) {
    throw malformed('md5_crypt checksum (the last field) must be 22 characters of ./0-9A-Za-z');
  }
  return { type: 'md5_crypt', salt, checksum };
}

export async function verifyMd5Crypt(parsed: ParsedMd5Crypt, password: string): Promise<boolean> {
  const encoded = cryptBase64(md5CryptDigest(Buffer.from(password, 'utf8'), Buffer.from(parsed.salt, 'utf8')), ORDER);
  return constantTimeEqual(Buffer.from(encoded), Buffer.from(parsed.checksum));
}

function md5CryptDigest(pw: Buffer, salt: Buffer): Buffer {
  const md5 = () => createHash('md5');
  const alt = md5().update(pw).update(salt).update(pw).digest();
  const ctx = md5().update(pw).update(MAGIC).update(salt);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alt.subarray(0, Math.min(left, 16)));
  for (let n = pw.length; n > 0; n >>= 1) ctx.update(n & 1 ? Buffer.alloc(1) : pw.subarray(0, 1));
  let final = ctx.digest();
  for (let i = 0; i < 1000; i += 1) {
    const round = md5();
    round.update(i & 1 ? pw : final);
    if (i % 3) round.update(salt);
    if (i % 7) round.update(pw);
    round.update(i & 1 ? final : pw);
    final = round.digest();
  }
  return final;
}
