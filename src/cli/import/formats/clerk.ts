/**
 * --from clerk: users as Clerk's backend API lists them (JSON array) or as its dashboard exports them
 * (CSV with a header). Both map alike; Clerk's three metadata kinds land in metadata under
 * public_metadata, private_metadata and unsafe_metadata.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { ImportFormat, ImportRecord, UnreadableRecord } from '../format.ts';
import { clerkHash } from './clerk-hash.ts';
import { csvFile, jsonArrayFile } from './errors-files.ts';
import { isObject, normalizePhone, parseItem, present, REDACTED, stringOrUndefined, UserMapping, type JsonObject } from './mapping.ts';
import { countCsvRows, csvRows, headerOf, maskColumns, withHeader } from './read/csv.ts';
import { countJsonItems, jsonItems } from './read/json-items.ts';
import { firstCharacter } from './read/lines.ts';

const KNOWN = new Set([
  'id', 'external_id', 'first_name', 'last_name', 'username', 'primary_email_address', 'primary_email_address_id', 'email_addresses',
  'primary_phone_number', 'primary_phone_number_id', 'phone_numbers', 'password_digest', 'password_hasher', 'public_metadata',
  'private_metadata', 'unsafe_metadata', 'image_url', 'profile_image_url', 'has_image', 'last_sign_in_at', 'locked', 'banned', 'object',
]);

interface Address {
  id?: string;
  value: string;
  verified?: boolean;
}

/** Addresses as strings (the samples, the dashboard CSV) or as Clerk objects ({id, email_address, verification}). */
function addresses(list: unknown, valueKey: string): Address[] {
  if (typeof list === 'string') return list.split(/[|,;]/).map((value) => ({ value: value.trim() })).filter((a) => a.value !== '');
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry): Address[] => {
    if (typeof entry === 'string') return entry.trim() === '' ? [] : [{ value: entry.trim() }];
    if (!isObject(entry) || typeof entry[valueKey] !== 'string') return [];
    const status = isObject(entry.verification) ? entry.verification.status : undefined;
    return [{ id: typeof entry.id === 'string' ? entry.id : undefined, value: entry[valueKey] as string, verified: status === undefined ? undefined : status === 'verified' }];
  });
}

/** The primary of a list (by the primary value or id), the others reported under `field`. */
function primary(m: UserMapping, list: Address[], primaryValue: unknown, primaryId: unknown, field: string): Address | undefined {
  const chosen =
    list.find((a) => typeof primaryId === 'string' && a.id === primaryId) ??
    list.find((a) => typeof primaryValue === 'string' && a.value.toLowerCase() === primaryValue.toLowerCase()) ??
    (typeof primaryValue === 'string' && primaryValue !== '' ? { value: primaryValue } : list[0]);
  list.forEach((a, i) => {
    if (a !== chosen && a.value.toLowerCase() !== chosen?.value.toLowerCase()) m.unmap(`${field}[${i}]`);
  });
  return chosen;
}

/** A metadata value that may come as a JSON string (CSV cells). */
function jsonValue(value: unknown, m: UserMapping, field: string): unknown {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    m.unmap(field);
    return undefined;
  }
}

export function mapClerkUser(user: JsonObject, ordinal: number, source: unknown = user): ImportRecord | UnreadableRecord {
  const m = new UserMapping();
  const clerkId = stringOrUndefined(user.id);
  const email = primary(m, addresses(user.email_addresses, 'email_address'), user.primary_email_address, user.primary_email_address_id, 'email_addresses');
  if (email) {
    m.text('email', email.value);
    if (email.verified !== undefined) m.data.email_verified = email.verified;
  }
  const phone = primary(m, addresses(user.phone_numbers, 'phone_number'), user.primary_phone_number, user.primary_phone_number_id, 'phone_numbers');
  if (phone) m.text('phone', phone.value, normalizePhone);
  m.text('first_name', user.first_name);
  m.text('last_name', user.last_name);
  m.text('username', user.username);
  if (user.has_image !== false) m.text('avatar_url', user.image_url ?? user.profile_image_url);
  if (typeof user.banned === 'boolean' || typeof user.locked === 'boolean') m.data.active = !(user.banned === true || user.locked === true);
  m.time('last_seen_at', user.last_sign_in_at, 'last_sign_in_at');
  for (const kind of ['public_metadata', 'private_metadata', 'unsafe_metadata']) m.meta(kind, jsonValue(user[kind], m, kind));
  if (user.password_digest === REDACTED) {
    m.migrationPending('password hash was redacted (a record from an errors file): imported without it and marked for the password migration hook');
  } else if (present(user.password_digest)) {
    m.password(clerkHash(String(user.password_hasher ?? ''), String(user.password_digest)));
  }
  m.text('external_id', user.external_id);
  // The record's own external_id wins; Clerk's id is then reported rather than dropped.
  if (present(user.external_id) && clerkId) m.unmap('id');
  m.externalId(clerkId, 'id');
  m.unmapRest(user, KNOWN);
  return m.toRecord(ordinal, clerkId, source);
}

function sniffCsv(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const first = buffer.subarray(0, readSync(fd, buffer, 0, 256, 0)).toString('utf8').replace(/^\uFEFF/, '').trimStart()[0];
    return first !== '[' && first !== '{';
  } finally {
    closeSync(fd);
  }
}

const JSON_SCAN = { keys: ['data', 'users'] };
/** The dashboard export's columns, for rows whose header is not known. */
const DASHBOARD_HEADER = ['id', 'first_name', 'last_name', 'username', 'email_addresses', 'phone_numbers', 'totp_secret', 'password_digest', 'password_hasher', 'unsafe_metadata', 'public_metadata', 'private_metadata'];
/** The hash, and the TOTP seed and backup codes, which are no less secret. */
const SECRET_COLUMNS = ['password_digest', 'totp_secret', 'backup_codes'];

export const clerkFormat: ImportFormat = {
  name: 'clerk',
  description: "Clerk's dashboard CSV or backend API JSON, with password_digest + password_hasher",
  async *read(file) {
    let ordinal = 0;
    const first = await firstCharacter(file);
    if (first !== '[' && first !== '{') {
      let header: string[] | undefined;
      for await (const row of csvRows(file)) {
        if (!header) {
          header = row.map((cell) => cell.trim());
          continue;
        }
        const user = Object.fromEntries(header.map((name, i) => [name, row[i] ?? '']));
        yield mapClerkUser(user, ordinal++, withHeader(row, header));
      }
      return;
    }
    for await (const item of jsonItems(file, JSON_SCAN)) {
      const parsed = parseItem(item.text, item.kind === 'item' && item.truncated === true);
      if ('reason' in parsed) yield { ordinal, reason: parsed.reason, source: item.text };
      else yield mapClerkUser(parsed.value, ordinal);
      ordinal++;
    }
  },
  async count(file) {
    const first = await firstCharacter(file);
    if (first === '[' || first === '{') return countJsonItems(file, JSON_SCAN);
    return Math.max(0, (await countCsvRows(file)) - 1);
  },
  redact(source) {
    if (Array.isArray(source)) return maskColumns(source, headerOf(source) ?? DASHBOARD_HEADER, SECRET_COLUMNS, REDACTED);
    if (!isObject(source)) return source;
    const copy = structuredClone(source);
    for (const key of SECRET_COLUMNS) if (present(copy[key])) copy[key] = REDACTED;
    return copy;
  },
  errorsFile: (path, inputFile) => (sniffCsv(inputFile) ? csvFile(path, inputFile) : jsonArrayFile(path)),
};
