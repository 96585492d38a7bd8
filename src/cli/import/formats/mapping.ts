/**
 * What every source format shares while mapping one user: the canonical fields it fills, the
 * metadata keys, the source fields it could not place (reported, never dropped), notes, and the few
 * lossless clean-ups the README documents (phone punctuation, "en_US" locales, timestamps to ISO).
 */
import type { ImportRecord, UnreadableRecord } from '../format.ts';

/** What redact() puts where a hash, salt or key was; a record read back with it imports without that hash. */
export const REDACTED = '[redacted]';

/** A password hash in the form the batch API takes, or why the source's hash cannot be carried. */
export type HashResult = { hash: string; type: string } | { error: string };

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value worth carrying: not null, undefined, an empty string, an empty array or an empty object. */
export function present(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/**
 * "+1 (415) 555-0123" → "+14155550123": spaces, dots, dashes and brackets dropped when what remains
 * is E.164 (nothing is lost). Anything else is sent as it is and the server says what is wrong.
 */
export function normalizePhone(value: string): string {
  const compact = value.trim().replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{1,14}$/.test(compact) ? compact : value;
}

/** "en_US" → "en-US" (the POSIX spelling of the same BCP 47 tag); anything else as it is. */
export function normalizeLocale(value: string): string {
  return /^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})+$/.test(value) ? value.replace(/_/g, '-') : value;
}

/**
 * A source time (ISO text, PostgreSQL's "2024-02-26 14:04:29.15+00", or milliseconds since the epoch
 * as a number or digits) as ISO 8601 UTC with milliseconds, which is what the server stores; undefined
 * when it is not a time.
 */
export function isoTime(value: unknown): string | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{10,15}$/.test(value))) {
    const ms = Number(value);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  // PostgreSQL prints offsets as "+00" or "+05:30"; Date.parse wants "+00:00" and a "T".
  const text = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T').replace(/([+-]\d{2})$/, '$1:00');
  const ms = Date.parse(text);
  return Number.isNaN(ms) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? undefined : new Date(ms).toISOString();
}

/** Collects one user's canonical fields, metadata, unmapped source fields and notes. */
export class UserMapping {
  readonly data: JsonObject = {};
  readonly metadata: JsonObject = {};
  readonly unmapped: string[] = [];
  readonly notes: string[] = [];
  /** Set when the record cannot be sent at all: it becomes an UnreadableRecord with this reason. */
  failure: string | undefined;

  /** A text field: carried when it is a non-empty string; another type is left to the server to refuse. */
  text(field: string, value: unknown, clean: (text: string) => string = (text) => text): void {
    if (!present(value)) return;
    this.data[field] = typeof value === 'string' ? clean(value) : value;
  }

  boolean(field: string, value: unknown): void {
    if (typeof value === 'boolean') this.data[field] = value;
    else if (value === 'true' || value === 'false') this.data[field] = value === 'true';
    else if (present(value)) this.data[field] = value;
  }

  /** A source time as last_seen_at and the like; a value that is no time is reported. */
  time(field: string, value: unknown, sourceName: string): void {
    if (!present(value)) return;
    const iso = isoTime(value);
    if (iso) this.data[field] = iso;
    else this.unmap(sourceName);
  }

  /** Metadata under one documented key; empty objects are not written. */
  meta(key: string, value: unknown): void {
    if (present(value)) this.metadata[key] = value;
  }

  unmap(path: string): void {
    this.unmapped.push(path);
  }

  /** Reports every key of `source` outside `known` that holds a value (a false flag such as mfa_enabled: false loses nothing). */
  unmapRest(source: JsonObject, known: ReadonlySet<string>, prefix = ''): void {
    for (const key of Object.keys(source)) if (!known.has(key) && present(source[key]) && source[key] !== false) this.unmap(`${prefix}${key}`);
  }

  /** A hash from the source; a hash that cannot be carried makes the record a failure with the reason. */
  password(result: HashResult | undefined): void {
    if (!result) return;
    if ('error' in result) {
      this.failure = result.error;
      return;
    }
    this.data.password_hash = result.hash;
    this.data.password_hash_type = result.type;
  }

  /** The user had a password the source does not hand out: the migration hook (or a reset) must take over. */
  migrationPending(why: string): void {
    this.data.password_migration_pending = true;
    this.notes.push(why);
  }

  /**
   * The source's own id as external_id, unless the mapping already set one. Without an id the
   * lower-cased e-mail stands in (stable across runs, so a second import still changes nothing).
   */
  externalId(sourceId: string | undefined, idName: string): void {
    if (present(this.data.external_id)) return;
    if (sourceId) {
      this.data.external_id = sourceId;
      return;
    }
    const email = typeof this.data.email === 'string' ? this.data.email.trim().toLowerCase() : '';
    if (email && /^[\x21-\x7e]{1,128}$/.test(email)) {
      this.data.external_id = email;
      this.notes.push(`no ${idName}: external_id is the lower-cased e-mail address`);
      return;
    }
    this.failure ??= `The record has no ${idName} and no ASCII e-mail address to stand in for it: add a ${idName} so that the import can be repeated without duplicates`;
  }

  toRecord(ordinal: number, sourceId: string | undefined, source: unknown): ImportRecord | UnreadableRecord {
    if (this.failure) return { ordinal, sourceId, reason: this.failure, source };
    const data = { ...this.data };
    if (Object.keys(this.metadata).length > 0) data.metadata = this.metadata;
    return { ordinal, sourceId, operation: { op: 'upsert', match: 'external_id', data }, unmapped: this.unmapped, notes: this.notes, source };
  }
}

/** JSON.parse of one source item, or the reason it is no user object. */
export function parseItem(text: string, truncated = false): { value: JsonObject } | { reason: string } {
  if (truncated) return { reason: 'The file ends inside this record (truncated download?)' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reason: `Not valid JSON: ${(error as Error).message}` };
  }
  return isObject(value) ? { value } : { reason: 'Is not a JSON object (each user must be one)' };
}

/** A deep copy with the values at these dotted paths replaced by REDACTED where they hold something. */
export function redactPaths(source: unknown, paths: readonly string[]): unknown {
  if (!isObject(source)) return source;
  const copy = structuredClone(source);
  for (const path of paths) {
    const parts = path.split('.');
    let node: unknown = copy;
    for (const part of parts.slice(0, -1)) node = isObject(node) ? node[part] : undefined;
    const last = parts[parts.length - 1]!;
    if (isObject(node) && present(node[last])) node[last] = REDACTED;
  }
  return copy;
}

export function stringOrUndefined(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
