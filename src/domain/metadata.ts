/**
 * User metadata: a JSON object updated by JSON merge patch (RFC 7396). The merge runs inside the
 * update transaction on the row as it is then, so concurrent patches of different keys all land.
 */
import type { Checked } from './validation.ts';
import type { JsonObject, JsonValue } from './user.ts';

export const METADATA_LIMITS = {
  /** Top-level keys. */
  maxKeys: 50,
  /** Characters in any key, at any depth. */
  maxKeyLength: 40,
  /** UTF-8 bytes of the whole object serialised as JSON. */
  maxBytes: 16 * 1024,
  /** Nesting of objects and arrays below the top level. */
  maxDepth: 5,
} as const;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own-property assignment: a key such as "__proto__" stays plain data, never a prototype. */
export function put(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** RFC 7396 merge: objects merge key by key, null deletes, anything else replaces. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = {};
  if (isJsonObject(target)) for (const key of Object.keys(target)) put(result, key, target[key] as JsonValue);
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) delete result[key];
    else put(result, key, mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
  }
  return result;
}

function shallowCopy(object: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(object)) put(copy, key, object[key] as JsonValue);
  return copy;
}

/**
 * The metadata before a recorded change, given the metadata after it: how a past state is rebuilt
 * from a later one (issue 16, item 3: events keep only the changed keys). `change` is an event's
 * metadata change: per key, each side with the keys it had (or whole, in events written before
 * that); a creation has no previous object (nothing before it), a deletion no current one (its
 * previous is the whole metadata it removed).
 */
export function undoMetadataChange(after: JsonObject, change: { previous: JsonValue; current: JsonValue }): JsonObject {
  if (!isJsonObject(change.previous)) return {};
  if (!isJsonObject(change.current)) return shallowCopy(change.previous);
  const before = shallowCopy(after);
  for (const key of new Set([...Object.keys(change.previous), ...Object.keys(change.current)])) {
    if (Object.hasOwn(change.previous, key)) put(before, key, change.previous[key] as JsonValue);
    else delete before[key];
  }
  return before;
}

/** Shape of the patch itself: an object of JSON values with sane keys and finite numbers. */
export function checkMetadataPatch(value: unknown): Checked<JsonObject> {
  if (!isJsonObject(value)) return { ok: false, messages: ['Must be an object'] };
  const messages = new Set<string>();
  walk(value, 0, messages);
  return messages.size > 0 ? { ok: false, messages: [...messages] } : { ok: true, value };
}

/** Limits of the merged result; checked after the merge so that deletions make room. */
export function checkMetadataLimits(metadata: JsonObject): string[] {
  const messages: string[] = [];
  if (Object.keys(metadata).length > METADATA_LIMITS.maxKeys) {
    messages.push(`Must have at most ${METADATA_LIMITS.maxKeys} keys`);
  }
  if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_LIMITS.maxBytes) {
    messages.push(`Must be at most ${METADATA_LIMITS.maxBytes} bytes as JSON`);
  }
  return messages;
}

function walk(value: unknown, depth: number, messages: Set<string>): void {
  // Beyond ±2^53 a JSON number silently loses digits on the way in; refuse rather than store another number.
  if (typeof value === 'number' && !(Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER)) {
    messages.add('Numbers must be finite and at most 2^53 in magnitude');
    return;
  }
  if (typeof value === 'string' && /\p{Cs}/u.test(value)) {
    messages.add('Strings must be valid Unicode text');
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth > METADATA_LIMITS.maxDepth) {
    messages.add(`Must not nest deeper than ${METADATA_LIMITS.maxDepth} levels`);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) walk(item, depth + 1, messages);
    return;
  }
  for (const key of Object.keys(value)) {
    if (key.length === 0) messages.add('Keys must not be empty');
    if ([...key].length > METADATA_LIMITS.maxKeyLength) {
      messages.add(`Keys must be at most ${METADATA_LIMITS.maxKeyLength} characters`);
    }
    if (/[\p{Cc}\p{Cs}]/u.test(key)) messages.add('Keys must not contain control characters or lone surrogates');
    walk((value as Record<string, unknown>)[key], depth + 1, messages);
  }
}

/** Structural equality of JSON values, key order ignored. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const ak = Object.keys(a);
  const bo = b as JsonObject;
  return ak.length === Object.keys(bo).length && ak.every((k) => Object.hasOwn(bo, k) && jsonEqual((a as JsonObject)[k], bo[k]));
}
