/**
 * Firebase's modified scrypt (github.com/firebase/scrypt, scryptenc_buf_saltlen): the scrypt key
 * derived from the password and salt ‖ salt separator (N = 2^mem_cost, r = rounds, p = 1, 64 bytes)
 * keys AES-256-CTR (first 32 bytes, counter block starting at zero), which encrypts the project's
 * signer key; the ciphertext is the user's password hash.
 */
import { createCipheriv } from 'node:crypto';
import { constantTimeEqual, decodeBase64, parseDecimal } from './encoding.ts';
import { malformed } from './errors.ts';
import { scryptAsync } from './scrypt.ts';
import type { ParsedFirebaseScrypt } from './types.ts';

const PREFIX = '$firebase-scrypt$';
const FIELDS = ['hash', 'salt', 'sk', 'ss', 'r', 'm'] as const;
type Field = (typeof FIELDS)[number];
const SHAPE = 'firebase-scrypt hash must look like $firebase-scrypt$hash=<b64>$salt=<b64>$sk=<b64>$ss=<b64>$r=<rounds>$m=<memcost>';
const DERIVED_KEY_BYTES = 64;

export function parseFirebaseScrypt(hash: string): ParsedFirebaseScrypt {
  if (!hash.startsWith(PREFIX)) throw malformed(SHAPE);
  const fields = readFields(hash.slice(PREFIX.length));
  const rounds = parseDecimal(fields.r);
  if (rounds == null || rounds < 1 || rounds > 8) throw malformed('firebase-scrypt rounds r= must be between 1 and 8');
  const memCost = parseDecimal(fields.m);
  if (memCost == null || memCost < 1 || memCost > 14) throw malformed('firebase-scrypt mem cost m= must be between 1 and 14');
  const parsed: ParsedFirebaseScrypt = {
    type: 'firebase-scrypt',
    rounds,
    memCost,
    hash: readBytes(fields, 'hash'),
    salt: readBytes(fields, 'salt'),
    signerKey: readBytes(fields, 'sk'),
    saltSeparator: readBytes(fields, 'ss'),
  };
  // The hash is the signer key encrypted with a stream cipher, so both have the same length.
  if (parsed.hash.length !== parsed.signerKey.length) {
    throw malformed('firebase-scrypt hash= must decode to as many bytes as the signer key sk=');
  }
  return parsed;
}

function readFields(text: string): Record<Field, string> {
  const fields = new Map<string, string>();
  for (const part of text.split('$')) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq) : part;
    if (eq <= 0 || fields.has(name) || !(FIELDS as readonly string[]).includes(name)) {
      throw malformed('firebase-scrypt hash may only hold the fields hash=, salt=, sk=, ss=, r= and m=, each once');
    }
    fields.set(name, part.slice(eq + 1));
  }
  const missing = FIELDS.find((name) => !fields.has(name));
  if (missing) throw malformed(`firebase-scrypt hash is missing its ${missing}= field`);
  return Object.fromEntries(fields) as Record<Field, string>;
}

/**
 * Standard base64 as Firebase exports it, padded or not (WorkOS's PHC form trims the "=");
 * base64url is accepted too because some Firebase CLI exports use it.
 */
function readBytes(fields: Record<Field, string>, name: 'hash' | 'salt' | 'sk' | 'ss'): Buffer {
  const bytes = decodeBase64(fields[name], 'standard-or-url', 'optional');
  if (!bytes || bytes.length === 0) throw malformed(`firebase-scrypt field ${name}= must be non-empty base64`);
  return bytes;
}

export async function verifyFirebaseScrypt(parsed: ParsedFirebaseScrypt, password: string): Promise<boolean> {
  const salt = Buffer.concat([parsed.salt, parsed.saltSeparator]);
  const cost = { n: 2 ** parsed.memCost, r: parsed.rounds, p: 1 };
  const derived = await scryptAsync(password, salt, DERIVED_KEY_BYTES, cost);
  const cipher = createCipheriv('aes-256-ctr', derived.subarray(0, 32), Buffer.alloc(16));
  const computed = Buffer.concat([cipher.update(parsed.signerKey), cipher.final()]);
  return constantTimeEqual(computed, parsed.hash);
}
