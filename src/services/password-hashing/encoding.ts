/** Small decoding helpers shared by the format parsers. */
import { timingSafeEqual } from 'node:crypto';

/**
 * standard: RFC 4648 "+/" alphabet. standard-or-url: also accepts "-_" (base64url).
 * passlib: passlib's "ab64", the standard alphabet with "." in place of "+", never padded.
 */
export type Base64Flavor = 'standard' | 'standard-or-url' | 'passlib';
export type Base64Padding = 'required' | 'optional' | 'forbidden';

const ALPHABETS: Record<Base64Flavor, RegExp> = {
  standard: /^[A-Za-z0-9+/]*$/,
  'standard-or-url': /^[A-Za-z0-9+/_-]*$/,
  passlib: /^[A-Za-z0-9./]*$/,
};

/** Strict base64 decoding (Buffer.from skips bad characters silently); null when invalid. */
export function decodeBase64(value: string, flavor: Base64Flavor, padding: Base64Padding): Buffer | null {
  const body = value.replace(/=+$/, '');
  const padded = value.length !== body.length;
  if (padded && (padding === 'forbidden' || value.length % 4 !== 0)) return null;
  if (padding === 'required' && value.length % 4 !== 0) return null;
  // One leftover character carries only 6 bits, which is never a whole byte.
  if (body.length % 4 === 1) return null;
  if (!ALPHABETS[flavor].test(body)) return null;
  const normalized = flavor === 'passlib' ? body.replaceAll('.', '+') : body.replaceAll('-', '+').replaceAll('_', '/');
  return Buffer.from(normalized, 'base64');
}

/** A decimal integer without sign or leading zeros (PHC's rule), up to 10 digits; null otherwise. */
export function parseDecimal(text: string | undefined): number | null {
  if (text === undefined || !/^(0|[1-9][0-9]{0,9})$/.test(text)) return null;
  return Number(text);
}

/** Splits PHC parameters "a=1,b=2"; null when a pair lacks "=" or a name repeats. */
export function splitPhcParams(text: string): Map<string, string> | null {
  const params = new Map<string, string>();
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return null;
    const name = pair.slice(0, eq);
    if (params.has(name)) return null;
    params.set(name, pair.slice(eq + 1));
  }
  return params;
}

/** True when the map holds exactly these names, in any order. */
export function hasExactly(params: Map<string, string>, names: readonly string[]): boolean {
  return params.size === names.length && names.every((name) => params.has(name));
}

/** Constant-time digest comparison; a length mismatch is not secret (the length is stored). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isPowerOfTwo(n: number): boolean {
  // Not n & (n - 1): bitwise operators truncate to 32 bits, and n may be larger.
  return n > 0 && Number.isInteger(Math.log2(n));
}
