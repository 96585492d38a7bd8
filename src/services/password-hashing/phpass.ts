/**
 * phpass "portable" hashes, $P$ (WordPress, Drupal 7 imports) and $H$ (phpBB 3): 2^n rounds of
 * md5(previous ‖ password) from md5(salt ‖ password), n from the 4th character. Openwall's
 * PasswordHash::crypt_private, with node:crypto; the rounds yield to the event loop in chunks.
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from './encoding.ts';
import { malformed } from './errors.ts';
import { CRYPT_ALPHABET, cryptBase64, yieldToEventLoop } from './crypt-base64.ts';
import type { ParsedPhpass } from './types.ts';

// phpass's encode64 reads bytes little-endian, three at a time: the same characters as crypt's
// base64 with each group's bytes reversed.
const ORDER = [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, -1, -1, 15];
/** phpass accepts log2 counts 7 to 30 (its CRYPT_PRIVATE_LOG2_COUNT range). */
const LOG2 = { min: 7, max: 30 };
const CHUNK = 4_096;
const SHAPE = 'phpass hash must look like $P$ or $H$, a count character, 8 salt characters and 22 hash characters';

export function parsePhpass(hash: string): ParsedPhpass {
  if (hash.length !== 34 || !/^\$[PH]\$/.test(hash)) throw malformed(SHAPE);
  if (![...hash.slice(3)].every((c) => CRYPT_ALPHABET.includes(c))) {
    throw malformed('phpass hash must be written in the characters ./0-9A-Za-z after its $P$ or $H$');
  }
  const log2Rounds = CRYPT_ALPHABET.indexOf(hash[3]!);
  if (log2Rounds < LOG2.min || log2Rounds > LOG2.max) throw malformed('phpass count character must stand for 2^7 to 2^30 rounds (5 to S)');
  return { type: 'phpass', log2Rounds, salt: hash.slice(4, 12), checksum: hash.slice(12) };
}

export async function verifyPhpass(parsed: ParsedPhpass, password: string): Promise<boolean> {
  const pw = Buffer.from(password, 'utf8');
  let digest = createHash('md5').update(parsed.salt).update(pw).digest();
  const rounds = 2 ** parsed.log2Rounds;
  for (let i = 0; i < rounds; i += 1) {
    if (i > 0 && i % CHUNK === 0) await yieldToEventLoop();
    digest = createHash('md5').update(digest).update(pw).digest();
  }
  return constantTimeEqual(Buffer.from(cryptBase64(digest, ORDER)), Buffer.from(parsed.checksum));
}
