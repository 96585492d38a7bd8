/**
 * --from supabase: a CSV dump of Supabase's auth.users table (with its header, usually a UTF-8 BOM).
 * encrypted_password is bcrypt; raw_user_meta_data and raw_app_meta_data land in metadata as
 * user_metadata and app_metadata (the names Supabase's API gives them).
 */
import type { ImportFormat, ImportRecord, UnreadableRecord } from '../format.ts';
import { csvFile } from './errors-files.ts';
import { isObject, normalizePhone, present, REDACTED, stringOrUndefined, UserMapping, isoTime, type JsonObject } from './mapping.ts';
import { countCsvRows, csvRows, headerOf, maskColumns, withHeader } from './read/csv.ts';

/** Columns with a home, or deliberately not carried: Supabase's own database role/audience, derived or default values. */
const KNOWN = new Set([
  'id', 'email', 'encrypted_password', 'email_confirmed_at', 'last_sign_in_at', 'raw_app_meta_data', 'raw_user_meta_data', 'phone',
  'banned_until', 'deleted_at', 'instance_id', 'aud', 'role', 'confirmed_at', 'email_change_confirm_status',
]);
/** One-time tokens and the hash: never written to an errors file. */
const SECRET_COLUMNS = ['encrypted_password', 'confirmation_token', 'recovery_token', 'email_change_token_new', 'email_change_token_current', 'phone_change_token', 'reauthentication_token'];
const AUTH_USERS_HEADER = [
  'instance_id', 'id', 'aud', 'role', 'email', 'encrypted_password', 'email_confirmed_at', 'invited_at', 'confirmation_token', 'confirmation_sent_at',
  'recovery_token', 'recovery_sent_at', 'email_change_token_new', 'email_change', 'email_change_sent_at', 'last_sign_in_at', 'raw_app_meta_data',
  'raw_user_meta_data', 'is_super_admin', 'created_at', 'updated_at', 'phone', 'phone_confirmed_at', 'phone_change', 'phone_change_token',
  'phone_change_sent_at', 'confirmed_at', 'email_change_token_current', 'email_change_confirm_status', 'banned_until', 'reauthentication_token',
  'reauthentication_sent_at', 'is_sso_user', 'deleted_at',
];

function jsonCell(m: UserMapping, value: unknown, column: string): JsonObject | undefined {
  if (!present(value)) return undefined;
  try {
    const parsed = JSON.parse(String(value));
    if (isObject(parsed)) return parsed;
  } catch {
    // reported below
  }
  m.unmap(column);
  return undefined;
}

export function mapSupabaseUser(user: JsonObject, ordinal: number, now: Date, source: unknown = user): ImportRecord | UnreadableRecord {
  const m = new UserMapping();
  const sourceId = stringOrUndefined(user.id);
  m.text('email', user.email);
  if (present(user.email)) m.data.email_verified = present(user.email_confirmed_at);
  // auth.users keeps phones as E.164 digits without the "+".
  m.text('phone', user.phone, (phone) => normalizePhone(/^[1-9]\d{6,14}$/.test(phone) ? `+${phone}` : phone));
  m.time('last_seen_at', user.last_sign_in_at, 'last_sign_in_at');
  const userMeta = jsonCell(m, user.raw_user_meta_data, 'raw_user_meta_data');
  const appMeta = jsonCell(m, user.raw_app_meta_data, 'raw_app_meta_data');
  m.meta('user_metadata', userMeta);
  m.meta('app_metadata', appMeta);
  // OAuth sign-ups keep the provider's profile in raw_user_meta_data; its name and picture have canonical homes.
  if (userMeta) {
    m.text('name', typeof (userMeta.full_name ?? userMeta.name) === 'string' ? (userMeta.full_name ?? userMeta.name) : undefined);
    m.text('avatar_url', typeof (userMeta.avatar_url ?? userMeta.picture) === 'string' ? (userMeta.avatar_url ?? userMeta.picture) : undefined);
  }
  const bannedUntil = isoTime(user.banned_until);
  const banned = bannedUntil !== undefined && bannedUntil > now.toISOString();
  const deleted = present(user.deleted_at);
  m.data.active = !banned && !deleted;
  if (banned) m.notes.push(`banned until ${bannedUntil}: imported as inactive`);
  if (deleted) m.notes.push(`soft-deleted in Supabase at ${String(user.deleted_at)}: imported as inactive`);
  const hash = user.encrypted_password;
  if (hash === REDACTED) {
    m.migrationPending('password hash was redacted (a record from an errors file): imported without it and marked for the password migration hook');
  } else if (present(hash)) {
    m.password(/^\$2[aby]\$/.test(String(hash)) ? { hash: String(hash), type: 'bcrypt' } : { error: 'encrypted_password is not a bcrypt hash ($2a$…)' });
  }
  m.externalId(sourceId, 'id');
  for (const key of Object.keys(user)) {
    const value = user[key];
    // PostgreSQL's defaults ("false", "0") carry nothing.
    if (!KNOWN.has(key) && present(value) && value !== 'false' && value !== '0') m.unmap(key);
  }
  return m.toRecord(ordinal, sourceId, source);
}

export const supabaseFormat: ImportFormat = {
  name: 'supabase',
  description: "A CSV dump of Supabase's auth.users (header, UTF-8 BOM), encrypted_password bcrypt",
  async *read(file) {
    const now = new Date();
    let header: string[] | undefined;
    let ordinal = 0;
    for await (const row of csvRows(file)) {
      if (!header) {
        header = row.map((cell) => cell.trim());
        continue;
      }
      const user = Object.fromEntries(header.map((name, i) => [name, row[i] ?? '']));
      yield mapSupabaseUser(user, ordinal++, now, withHeader(row, header));
    }
  },
  count: async (file) => Math.max(0, (await countCsvRows(file)) - 1),
  redact: (source) => (Array.isArray(source) ? maskColumns(source, headerOf(source) ?? AUTH_USERS_HEADER, SECRET_COLUMNS, REDACTED) : source),
  errorsFile: (path, inputFile) => csvFile(path, inputFile),
};
