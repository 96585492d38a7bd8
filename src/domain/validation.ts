/**
 * Field rules of the canonical user. Each validator takes an untyped wire value (already known
 * not to be null or undefined) and returns the value to store, or the messages that explain why not.
 * Doors map their own field names onto these before calling a service, so every door gets the
 * same rules and the same messages.
 */
import { domainToASCII } from 'node:url';
import { COUNTRY_CODES } from './countries.ts';

export type Checked<T = unknown> = { ok: true; value: T } | { ok: false; messages: string[] };

export interface ValidationPolicy {
  /** Allowed roles; when unset any well-formed role name is accepted. */
  roles?: readonly string[];
  /** The clock, injected so that "not in the future" is testable. */
  now: () => Date;
}

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (...messages: string[]): Checked<never> => ({ ok: false, messages });

// C0/C1 controls (NUL, newline, tab, DEL, …) and the bidi overrides/isolates that can make a
// name render differently from what it is.
const CONTROL_OR_BIDI = /[\p{Cc}\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;

// A lone UTF-16 surrogate cannot be stored as UTF-8; the database would silently replace it.
const LONE_SURROGATE = /\p{Cs}/u;

export function text(max: number, min = 1): (value: unknown) => Checked<string> {
  return (value) => {
    if (typeof value !== 'string') return fail('Must be a string');
    if (CONTROL_OR_BIDI.test(value)) return fail('Must not contain control or bidirectional-override characters');
    if (LONE_SURROGATE.test(value)) return fail('Must be valid Unicode text');
    const length = [...value].length;
    if (length < min) return fail(min === 1 ? 'Must not be empty' : `Must be at least ${min} characters`);
    if (length > max) return fail(`Must be at most ${max} characters`);
    return ok(value);
  };
}

export function checkBoolean(value: unknown): Checked<boolean> {
  return typeof value === 'boolean' ? ok(value) : fail('Must be a boolean');
}

// Practical address syntax: WHATWG's "valid e-mail address" widened to Unicode letters and digits,
// so internationalised addresses are accepted; quoted local parts and IP literals are not.
const EMAIL_LOCAL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const EMAIL_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

export function checkEmail(value: unknown): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  const email = value.normalize('NFKC').trim();
  if (email.length > 254) return fail('Must be at most 254 characters');
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  const valid =
    at > 0 &&
    local.length <= 64 &&
    EMAIL_LOCAL.test(local) &&
    labels.length >= 2 &&
    labels.every((label) => EMAIL_LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1] ?? '');
  if (!valid) return fail('Invalid email format');
  // One spelling per domain: an internationalised one is stored in its IDNA (punycode) form, so
  // "x@tést.example" and "x@xn--tst-bma.example" are one address to the unique index and every
  // comparison (which fold case). An ASCII domain keeps the letter case it was given.
  const domain = email.slice(at + 1);
  const ascii = domainToASCII(domain);
  if (ascii === '' || ascii.length > 253) return fail('Invalid email format');
  if (/^[\x00-\x7F]*$/.test(domain)) return ok(email);
  const canonical = `${local}@${ascii}`;
  return canonical.length > 254 ? fail('Must be at most 254 characters') : ok(canonical);
}

const USERNAME = /^[\p{L}\p{N}._-]+$/u;
// A username may use one script (plus digits and ._-); mixing e.g. Latin and Cyrillic is how
// look-alike names such as "аdmin" (Cyrillic а) are made.
const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Devanagari', 'Thai', 'Hangul', 'Han', 'Hiragana', 'Katakana'].map(
  (name) => ({ name, pattern: new RegExp(`\\p{Script=${name}}`, 'u') }),
);
const JAPANESE = new Set(['Han', 'Hiragana', 'Katakana']);

function scriptsOf(value: string): Set<string> {
  const found = new Set<string>();
  for (const char of value) {
    // Marks shared by several scripts (e.g. the Japanese prolonged-sound mark) belong to none.
    if (!/\p{L}/u.test(char) || /[\p{Script=Common}\p{Script=Inherited}]/u.test(char)) continue;
    const script = SCRIPTS.find((s) => s.pattern.test(char));
    found.add(script?.name ?? 'Other');
  }
  return found;
}

export function checkUsername(value: unknown): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  const username = value.normalize('NFKC');
  const length = [...username].length;
  if (length < 3 || length > 64) return fail('Must be 3 to 64 characters');
  if (!USERNAME.test(username)) return fail('May contain only letters, digits, ".", "_" and "-"');
  const scripts = scriptsOf(username);
  const mixed = scripts.size > 1 && ![...scripts].every((s) => JAPANESE.has(s));
  if (mixed) return fail('Must not mix letters of different scripts');
  return ok(username);
}

const ROLE = /^[A-Za-z0-9_.:-]{1,64}$/;

export function checkRole(value: unknown, policy: ValidationPolicy): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  if (policy.roles && policy.roles.length > 0) {
    return policy.roles.includes(value) ? ok(value) : fail(`Must be one of: ${policy.roles.join(', ')}`);
  }
  return ROLE.test(value) ? ok(value) : fail('Must be 1 to 64 letters, digits or "_.:-"');
}

const EXTERNAL_ID = /^[\x21-\x7E]{1,128}$/;

export function checkExternalId(value: unknown): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  return EXTERNAL_ID.test(value) ? ok(value) : fail('Must be 1 to 128 printable ASCII characters without spaces');
}

export function checkLocale(value: unknown): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  if (value.length === 0 || value.length > 35 || value.includes('_')) return fail('Must be a BCP 47 language tag such as "en-US"');
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    return canonical ? ok(canonical) : fail('Must be a BCP 47 language tag such as "en-US"');
  } catch {
    return fail('Must be a BCP 47 language tag such as "en-US"');
  }
}

export function checkPhone(value: unknown): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  return /^\+[1-9]\d{1,14}$/.test(value) ? ok(value) : fail('Must be an E.164 number such as "+14155550123"');
}

export function checkCountry(value: unknown): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  return COUNTRY_CODES.has(value) ? ok(value) : fail('Must be an ISO 3166-1 alpha-2 code such as "DE"');
}

export function checkBirthday(value: unknown, policy: ValidationPolicy): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return fail('Must be a date in the form YYYY-MM-DD');
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || year < 1) {
    return fail('Must be a real calendar date');
  }
  if (value > policy.now().toISOString().slice(0, 10)) return fail('Must not be in the future');
  return ok(value);
}

export function checkUrl(value: unknown): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  if (value.length > 2048) return fail('Must be at most 2048 characters');
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? ok(value) : fail('Must be an http or https URL');
  } catch {
    return fail('Must be an http or https URL');
  }
}

export function checkTwitter(value: unknown): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  return /^@?[A-Za-z0-9_]{1,15}$/.test(value) ? ok(value) : fail('Must be a Twitter handle of 1 to 15 letters, digits or "_"');
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

export function checkTimestamp(value: unknown): Checked<string> {
  if (typeof value !== 'string') return fail('Must be a string');
  const time = ISO_DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) return fail('Must be an ISO 8601 date-time with a time zone, such as "2024-05-01T12:00:00Z"');
  return ok(new Date(time).toISOString());
}

/** A field's rule; user-fields.ts says which field has which. */
export type Validator = (value: unknown, policy: ValidationPolicy) => Checked;
