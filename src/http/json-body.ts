/**
 * The JSON body parser of every door, stricter than JSON.parse: bytes must be valid UTF-8 (not
 * silently replaced), and an object must not repeat a key (JSON.parse would keep the last one,
 * so `{"role":"member","role":"admin"}` could slip past a proxy that checked the first).
 * Keys such as "__proto__" stay plain own properties, as JSON.parse makes them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError } from '../domain/errors.ts';
import { UnsupportedMediaTypeError } from './transport-errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The first key that appears twice in one object of a valid JSON text, or null. */
export function findDuplicateKey(text: string): string | null {
  const objects: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      let escaped = false;
      while (text.charCodeAt(end) !== 0x22) {
        if (text.charCodeAt(end) === 0x5c /* \ */) {
          escaped = true;
          end += 2;
        } else end += 1;
      }
      if (expectKey) {
        const keys = objects[objects.length - 1]!;
        // Only a key with escapes needs decoding to compare ("a" and "\u0061" are the same key).
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      objects.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      objects.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      objects.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = objects[objects.length - 1] instanceof Set;
    }
  }
  return null;
}

export function parseJsonBody(raw: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new BadRequestError('Request body is not valid UTF-8', 'invalid_utf8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError('Malformed JSON in request body', 'malformed_json');
  }
  const duplicate = typeof value === 'object' && value !== null ? findDuplicateKey(text) : null;
  if (duplicate !== null) throw new BadRequestError(`Duplicate key "${duplicate.slice(0, 64)}" in JSON body`, 'duplicate_key');
  return value;
}

/**
 * The charset parameter of a Content-Type header, lower-cased and unquoted, or null when absent.
 * `application/json; Charset="UTF-8"` gives "utf-8".
 */
export function charsetOf(contentType: string): string | null {
  for (const parameter of contentType.split(';').slice(1)) {
    const eq = parameter.indexOf('=');
    if (eq === -1 || parameter.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    return parameter
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return null;
}

// Fastify tests a RegExp parser against the whole normalised header, parameters included
// (`application/json; charset="utf-8"`), so the type must end at ";" or at the end.
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json(?:;|$)/;

export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    const charset = charsetOf(request.headers['content-type'] ?? '');
    if (charset !== null && charset !== 'utf-8' && charset !== 'utf8') {
      done(new UnsupportedMediaTypeError(`Unsupported charset "${charset.slice(0, 40)}": JSON bodies must be UTF-8`), undefined);
      return;
    }
    if (body.length === 0) {
      // Clients (the WorkOS SDK among them) send Content-Type: application/json on a bodiless
      // DELETE; only a method that takes a body needs one.
      if (request.method === 'DELETE') done(null, undefined);
      else done(new BadRequestError('Request body must not be empty when Content-Type is application/json', 'empty_body'), undefined);
      return;
    }
    try {
      done(null, parseJsonBody(body));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Path and query values reach SQL as parameters; PostgreSQL refuses NUL in text, so stop it here.
  app.addHook('preValidation', async (request) => {
    for (const part of [request.params, request.query]) {
      if (typeof part !== 'object' || part === null) continue;
      for (const value of Object.values(part)) {
        if (typeof value === 'string' && value.includes('\u0000')) {
          throw new BadRequestError('Path and query parameters must not contain NUL characters', 'nul_character');
        }
      }
    }
  });
}
