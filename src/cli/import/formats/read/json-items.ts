/**
 * The elements of a JSON array read lazily from a file: `[…]` at the top, or the array under one key
 * of a top-level object (`{"users": […]}`, `{"Users": […]}`). Each element's text is cut out of the
 * stream by tracking strings and brackets, then parsed on its own, so memory holds one user at a
 * time and a broken element costs only itself. No streaming JSON parser is among our dependencies;
 * this scanner only splits, JSON.parse still does all the parsing.
 */
import { createReadStream } from 'node:fs';

export type JsonItem =
  /** One element of the array, as text; `truncated` when the file ended inside it. */
  | { kind: 'item'; text: string; truncated?: boolean }
  /** The top-level object itself, when it holds none of the keys looked for (a one-user file). */
  | { kind: 'root'; text: string };

export interface JsonItemsOptions {
  /** Keys of a top-level object whose array holds the items; with none, the top level must be an array. */
  keys?: readonly string[];
  /** A top-level object without any of `keys` is yielded whole (up to this many characters), instead of failing. */
  rootObjectUpTo?: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const SPECIAL = /["\\]/g;

export class JsonShapeError extends Error {}

export async function* jsonItems(file: string, options: JsonItemsOptions = {}): AsyncGenerator<JsonItem> {
  const keys = options.keys ?? [];
  let depth = 0;
  let root: '[' | '{' | undefined;
  let inString = false;
  let escaped = false;
  /** Depth inside the target array (the items are its direct children), or -1 until it opens. */
  let target = -1;
  let targetDone = false;
  /** Characters of the current string when it may be a key of the root object. */
  let key = '';
  let lastKey: string | undefined;
  /** The current item: text carried over from earlier chunks, and where it began in this one. */
  let inItem = false;
  let scalarItem = false;
  let carried = '';
  let start = 0;
  /** The whole root object while no target array has been seen (for one-user files). */
  let rootText = '';
  let rootTooLong = false;
  let first = true;

  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const piece of stream) {
    let chunk = piece as string;
    if (first) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const items: JsonItem[] = [];
    start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) {
          escaped = false;
          continue;
        }
        // Jump to the next quote or backslash: strings are most of a user file.
        SPECIAL.lastIndex = i;
        const found = SPECIAL.exec(chunk);
        const at = found ? found.index : chunk.length;
        if (depth === 1 && root === '{') key += chunk.slice(i, at);
        i = at;
        if (!found) break;
        if (chunk.charCodeAt(at) === BACKSLASH) {
          escaped = true;
          if (depth === 1 && root === '{') key += '\\';
        } else {
          inString = false;
          if (depth === 1 && root === '{') lastKey = key;
        }
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (root === undefined) {
        if (c !== 91 && c !== 123) throw new JsonShapeError('The file must hold a JSON array or object');
        root = c === 91 ? '[' : '{';
        // A bare array is accepted even where a wrapper key is expected: some tools print the list alone.
        depth = 1;
        if (root === '[') target = 1;
        continue;
      }
      const atItemLevel = target >= 0 && !targetDone && depth === target;
      if (atItemLevel && !inItem && c !== 44 && c !== 93) {
        inItem = true;
        scalarItem = c !== 91 && c !== 123;
        carried = '';
        start = i;
      }
      if (c === QUOTE) {
        inString = true;
        if (depth === 1 && root === '{') key = '';
        continue;
      }
      if (c === 91 || c === 123) {
        if (c === 91 && root === '{' && depth === 1 && target < 0 && lastKey !== undefined && keys.includes(lastKey)) {
          target = 2;
          rootText = '';
        }
        depth++;
        continue;
      }
      if (c === 93 || c === 125) {
        depth--;
        if (inItem && scalarItem && depth === target - 1) {
          items.push({ kind: 'item', text: (carried + chunk.slice(start, i)).trim() });
          inItem = false;
        }
        if (inItem && !scalarItem && depth === target) {
          items.push({ kind: 'item', text: carried + chunk.slice(start, i + 1) });
          inItem = false;
        }
        if (depth === target - 1 && target >= 0) targetDone = true;
        continue;
      }
      if (c === 44 && inItem && scalarItem && depth === target) {
        items.push({ kind: 'item', text: (carried + chunk.slice(start, i)).trim() });
        inItem = false;
      }
    }
    if (inItem) {
      carried += chunk.slice(start);
      start = 0;
    }
    if (root === '{' && target < 0 && options.rootObjectUpTo !== undefined && !rootTooLong) {
      rootText += chunk;
      if (rootText.length > options.rootObjectUpTo) {
        rootTooLong = true;
        rootText = '';
      }
    }
    for (const item of items) yield item;
  }
  if (inItem) yield { kind: 'item', text: carried.trim(), truncated: true };
  if (root === undefined) throw new JsonShapeError('The file is empty: it must hold a JSON array or object');
  if (root === '{' && target < 0) {
    if (options.rootObjectUpTo === undefined || rootTooLong) {
      throw new JsonShapeError(`The file's top-level object has no ${keys.map((k) => `"${k}"`).join(' or ')} array of users`);
    }
    yield { kind: 'root', text: rootText };
  }
}

/** How many items jsonItems would yield, without parsing them. */
export async function countJsonItems(file: string, options: JsonItemsOptions = {}): Promise<number> {
  let count = 0;
  for await (const _ of jsonItems(file, options)) count++;
  return count;
}
