/**
 * The `userplane` format: Userplane's own export (GET /v1/users/export, `userplane export`), NDJSON,
 * one user per line and a trailer line ({"object":"export",…}) that is not a record. Every writable
 * field carries over as it is, with identities and, when the export included them, password hashes
 * exactly as they were stored. The source's id becomes external_id when the user had none, so that
 * importing the same export twice changes nothing.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { WRITABLE_FIELDS } from '../../../domain/user.ts';
import type { ErrorsFileWriter, ImportFormat, ImportRecord, UnreadableRecord } from '../format.ts';

const REDACTED = '[redacted]';

/** Fields of an export line that the server sets itself: recorded nowhere, reported as not carried over when they matter. */
const SERVER_SET = new Set(['id', 'object', 'environment', 'pending_email', 'password_set', 'source', 'version', 'created_at', 'updated_at', 'identities']);

async function* lines(file: string): AsyncGenerator<string> {
  const input = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of input) if (line.trim() !== '') yield line;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Maps one export line (already parsed) to an upsert. */
export function mapUserplaneLine(line: Record<string, unknown>, ordinal: number): ImportRecord {
  const sourceId = typeof line.id === 'string' ? line.id : undefined;
  const data: Record<string, unknown> = {};
  const unmapped: string[] = [];
  const notes: string[] = [];
  for (const field of WRITABLE_FIELDS) if (line[field] !== undefined) data[field] = line[field];
  // Empty metadata is the default: sending it would only make a no-op patch look like a change.
  if (isObject(data.metadata) && Object.keys(data.metadata).length === 0) delete data.metadata;
  if ((data.external_id === null || data.external_id === undefined) && sourceId) data.external_id = sourceId;
  if (line.password_hash === REDACTED) {
    // An errors file fed back: the hash was redacted when it was written; the user goes without it.
    notes.push('password hash redacted (a record from an errors file): imported without it');
  } else if (typeof line.password_hash === 'string' && typeof line.password_hash_type === 'string') {
    data.password_hash = line.password_hash;
    data.password_hash_type = line.password_hash_type;
  } else if (line.password_set === true) {
    notes.push('password not in the export (export with --include-password-hashes to carry it over)');
  }
  if (typeof line.pending_email === 'string') unmapped.push('pending_email');
  if (Array.isArray(line.identities) && line.identities.length > 0) {
    const identities: Array<{ provider: unknown; provider_user_id: unknown; email: unknown }> = [];
    for (const [i, identity] of line.identities.entries()) {
      if (!isObject(identity)) continue;
      if (typeof identity.email !== 'string') {
        unmapped.push(`identities[${i}] (no email)`);
        continue;
      }
      identities.push({ provider: identity.provider, provider_user_id: identity.provider_user_id, email: identity.email });
    }
    if (identities.length > 0) data.identities = identities;
  }
  for (const key of Object.keys(line)) {
    if (!SERVER_SET.has(key) && !(WRITABLE_FIELDS as readonly string[]).includes(key) && key !== 'password_hash' && key !== 'password_hash_type') unmapped.push(key);
  }
  return { ordinal, sourceId, operation: { op: 'upsert', match: 'external_id', data }, unmapped, notes, source: line };
}

async function* read(file: string): AsyncGenerator<ImportRecord | UnreadableRecord> {
  let ordinal = 0;
  for await (const text of lines(file)) {
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch (error) {
      yield { ordinal: ordinal++, reason: `Not a JSON line: ${(error as Error).message}`, source: text };
      continue;
    }
    if (isObject(line) && line.object === 'export') continue;
    if (!isObject(line)) {
      yield { ordinal: ordinal++, reason: 'Not a JSON object: each line of a Userplane export is one user', source: line };
      continue;
    }
    yield mapUserplaneLine(line, ordinal++);
  }
}

export const userplaneFormat: ImportFormat = {
  name: 'userplane',
  description: "Userplane's own export (userplane export, GET /v1/users/export): NDJSON",
  read: (file) => read(file),
  async count(file) {
    let n = 0;
    for await (const text of lines(file)) if (!/^\s*\{\s*"object"\s*:\s*"export"/.test(text)) n += 1;
    return n;
  },
  redact(source) {
    if (!isObject(source) || source.password_hash === undefined) return source;
    return { ...source, password_hash: REDACTED };
  },
  errorsFile(path): ErrorsFileWriter {
    const out = createWriteStream(path);
    return {
      write(source) {
        out.write(`${typeof source === 'string' ? source : JSON.stringify(source)}\n`);
      },
      close: () => new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve()))),
    };
  },
};
