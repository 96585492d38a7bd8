/** bcrypt ($2a$, $2b$, $2y$), verified with @node-rs/bcrypt: native, on the libuv threadpool. */
import { createHash } from 'node:crypto';
import { verify as bcryptVerify } from '@node-rs/bcrypt';
import { malformed } from './errors.ts';
import type { ParsedBcrypt } from './types.ts';

const BCRYPT_FORMAT = /^\$(2[aby])\$([0-9]{2})\$[./A-Za-z0-9]{53}$/;
const MAX_COST = 16;

export function parseBcrypt(hash: string): ParsedBcrypt {
  if (/^\$2[^$]?\$/.test(hash) && !/^\$2[aby]\$/.test(hash)) {
    throw malformed('bcrypt hash must start with $2a$, $2b$ or $2y$');
  }
  const match = BCRYPT_FORMAT.exec(hash);
  if (!match) throw malformed('bcrypt hash must look like $2b$<cost>$<53 characters>');
  const cost = Number(match[2]);
  // bcrypt allows up to 31, but one verify at cost 31 takes days of CPU; 16 (≈65k rounds) is far
  // above what any exporting system uses. The operator's ceiling (ceilings.ts) is usually lower.
  if (cost < 4 || cost > MAX_COST) throw malformed(`bcrypt cost must be between 04 and ${MAX_COST}`);
  return { type: 'bcrypt', variant: match[1] as ParsedBcrypt['variant'], cost, encoded: hash };
}

export function verifyBcrypt(parsed: ParsedBcrypt, password: string): Promise<boolean> {
  // $2a$, $2b$ and PHP's $2y$ give the same digest for UTF-8 passwords (they differ only on byte
  // 0xFF or past 255 bytes), so the hash is replayed as $2b$; the native side compares digests.
  // Django's bcrypt_sha256 hashes the password's SHA-256, in hex, so passwords past 72 bytes count.
  const input = parsed.type === 'django_bcrypt_sha256' ? createHash('sha256').update(password, 'utf8').digest('hex') : password;
  return bcryptVerify(input, `$2b$${parsed.encoded.slice(4)}`);
}
