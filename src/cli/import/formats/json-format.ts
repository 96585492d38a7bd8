/**
 * The frame of every format whose file is a JSON array of users (bare, or under a wrapper key): lazy
 * reading, one parse per user, a failure per unparsable element, and an errors file of the same shape.
 */
import type { FormatOptions, ImportFormat, ImportRecord, UnreadableRecord } from '../format.ts';
import { jsonArrayFile } from './errors-files.ts';
import { parseItem, redactPaths, type JsonObject } from './mapping.ts';
import { countJsonItems, jsonItems, type JsonItemsOptions } from './read/json-items.ts';

export interface JsonFormatSpec<Context> {
  name: string;
  description: string;
  /** Wrapper keys of a top-level object holding the array (a bare array is always read). */
  keys?: readonly string[];
  /** The wrapper key the errors file writes; a bare array without it. */
  wrapper?: string;
  /** A top-level object without those keys is one user (Cognito's one-user files), up to this many characters. */
  rootObjectUpTo?: number;
  /** Reads what the options point at (a hash config…) once per run. */
  prepare?: (options: FormatOptions) => Promise<Context>;
  map: (user: JsonObject, ordinal: number, context: Context) => ImportRecord | UnreadableRecord;
  /** Dotted paths of hashes, salts and keys in a source record. */
  secretPaths: readonly string[];
  /** Extra redaction for secrets inside arrays (Kratos credentials…). */
  redact?: (source: JsonObject) => JsonObject;
}

export function jsonFormat<Context = undefined>(spec: JsonFormatSpec<Context>): ImportFormat {
  const scan: JsonItemsOptions = { keys: spec.keys, rootObjectUpTo: spec.rootObjectUpTo };
  return {
    name: spec.name,
    description: spec.description,
    async *read(file, options) {
      const context = spec.prepare ? await spec.prepare(options) : (undefined as Context);
      let ordinal = 0;
      for await (const item of jsonItems(file, scan)) {
        const parsed = parseItem(item.text, item.kind === 'item' && item.truncated === true);
        if ('reason' in parsed) yield { ordinal, reason: parsed.reason, source: item.text };
        else yield spec.map(parsed.value, ordinal, context);
        ordinal++;
      }
    },
    count: (file) => countJsonItems(file, scan),
    redact(source) {
      const redacted = redactPaths(source, spec.secretPaths);
      return spec.redact && typeof redacted === 'object' && redacted !== null ? spec.redact(redacted as JsonObject) : redacted;
    },
    errorsFile: (path) => jsonArrayFile(path, spec.wrapper),
  };
}
