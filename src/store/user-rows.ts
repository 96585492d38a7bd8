/** Conversion between the domain's user and the users row. */
import { sql, type SelectQueryBuilder } from 'kysely';
import { normalizeIdentifier, type Door, type Environment, type UserChanges } from '../domain/user.ts';
import type { Capabilities } from './capabilities.ts';
import type { StoredUser } from './contract.ts';
import { rowMaker } from './row-maker.ts';
import type { Database, UserRow } from './schema.ts';

export function fromUserRow(row: UserRow): StoredUser {
  return {
    id: row.id,
    environment: row.environment as Environment,
    email: row.email,
    email_verified: Boolean(row.email_verified),
    pending_email: row.pending_email,
    username: row.username,
    first_name: row.first_name,
    last_name: row.last_name,
    name: row.name,
    role: row.role,
    external_id: row.external_id,
    locale: row.locale,
    phone: row.phone,
    avatar_url: row.avatar_url,
    bio: row.bio,
    birthday: row.birthday,
    country: row.country,
    location: row.location,
    organization: row.organization,
    title: row.title,
    twitter: row.twitter,
    regions: row.regions,
    active: Boolean(row.active),
    last_seen_at: row.last_seen_at,
    last_typed_at: row.last_typed_at,
    metadata: JSON.parse(row.metadata),
    extensions: JSON.parse(row.extensions),
    password_set: row.password_hash !== null,
    password_hash: row.password_hash,
    password_hash_type: row.password_hash_type,
    password_migration_pending: Boolean(row.password_migration_pending),
    source: row.source as Door,
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Every column of users, in the order the prepared insert binds them. */
export const USER_COLUMNS = [
  'id', 'environment', 'email', 'email_norm', 'email_verified', 'pending_email', 'username', 'username_norm', 'first_name', 'last_name',
  'name', 'role', 'external_id', 'locale', 'phone', 'avatar_url', 'bio', 'birthday', 'country', 'location', 'organization', 'title',
  'twitter', 'regions', 'active', 'last_seen_at', 'last_typed_at', 'metadata', 'extensions', 'password_hash', 'password_hash_type',
  'password_migration_pending', 'source', 'version', 'created_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof UserRow>;

/** SQLite: every column of the user as one JSON array, in USER_COLUMNS order (qualified, so a join can use it). */
const USER_ROW_JSON = sql<string>`json_array(${sql.join(USER_COLUMNS.map((column) => sql.ref(`users.${column}`)))})`.as('user_row');

const userRowOf = rowMaker(USER_COLUMNS) as unknown as (values: unknown[]) => UserRow;

/**
 * Selects every column of the users a query finds, for readUserRows: the reads of many users (a
 * page, a filter's matches). On SQLite each row comes back as one json_array text, parsed here:
 * better-sqlite3 makes each column's value through V8's API, which for 36 columns costs about twice
 * one JSON.parse of the row's text (a page of 100: ~300 µs against ~160 µs). PostgreSQL's driver
 * parses each column in JavaScript either way, so there the columns are read as they are.
 */
export function selectUserRows<O>(query: SelectQueryBuilder<Database, 'users', O>, caps: Capabilities) {
  return caps.name === 'sqlite' ? query.select(USER_ROW_JSON) : query.select(USER_COLUMNS);
}

/** The rows of a query selectUserRows made. */
export function readUserRows(rows: ReadonlyArray<UserRow | { user_row: string }>): UserRow[] {
  return rows.map((row) => ('user_row' in row ? userRowOf(JSON.parse(row.user_row) as unknown[]) : row));
}

/** Every column of the users `query` finds: selectUserRows, run, then readUserRows. */
export async function fetchUserRows<O>(query: SelectQueryBuilder<Database, 'users', O>, caps: Capabilities): Promise<UserRow[]> {
  return readUserRows(await selectUserRows(query, caps).execute());
}

// Compile-time check that USER_COLUMNS names every column: a column added to UserRow without it fails here.
type MissingColumn = Exclude<keyof UserRow, (typeof USER_COLUMNS)[number]>;
const everyColumn: MissingColumn extends never ? true : MissingColumn = true;
void everyColumn;

/** The row's values in USER_COLUMNS order (a missing one as null). */
export function userRowValues(row: UserRow): unknown[] {
  return USER_COLUMNS.map((column) => row[column] ?? null);
}

/** How each column's value is read from a stored user (what toUserRow computes, column by column). */
const COLUMN_OF_USER: ReadonlyArray<(user: StoredUser) => unknown> = USER_COLUMNS.map((column): ((user: StoredUser) => unknown) => {
  switch (column) {
    case 'email_norm':
      return (user) => (user.email === null ? null : normalizeIdentifier(user.email));
    case 'username_norm':
      return (user) => (user.username === null ? null : normalizeIdentifier(user.username));
    case 'email_verified':
    case 'active':
    case 'password_migration_pending':
      return (user) => (user[column] ? 1 : 0);
    case 'metadata':
    case 'extensions':
      return (user) => JSON.stringify(user[column]);
    default:
      return (user) => user[column] ?? null;
  }
});

/**
 * Appends the users row of `user` to `values` in USER_COLUMNS order: userRowValues(toUserRow(user))
 * without the row in between (a batch's multi-row insert binds 36 values a user).
 */
export function pushUserRowValues(user: StoredUser, values: unknown[]): void {
  for (const read of COLUMN_OF_USER) values.push(read(user));
}

/** The row with its columns in USER_COLUMNS order, as an insert builder lists them. */
export function orderedUserRow(row: UserRow): UserRow {
  return Object.fromEntries(USER_COLUMNS.map((column) => [column, row[column] ?? null])) as unknown as UserRow;
}

export function toUserRow(user: StoredUser): UserRow {
  const { password_set: _derived, ...rest } = user;
  return {
    ...rest,
    email_norm: user.email === null ? null : normalizeIdentifier(user.email),
    username_norm: user.username === null ? null : normalizeIdentifier(user.username),
    email_verified: user.email_verified ? 1 : 0,
    active: user.active ? 1 : 0,
    password_migration_pending: user.password_migration_pending ? 1 : 0,
    metadata: JSON.stringify(user.metadata),
    extensions: JSON.stringify(user.extensions),
  };
}

/** Column values for a partial change; derived columns (email_norm, …) follow their source. */
export function toUserRowChanges(changes: UserChanges & { version?: number; updated_at?: string }): Partial<UserRow> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    switch (key) {
      case 'password_set':
        break;
      case 'email':
      case 'username':
        row[key] = value;
        row[`${key}_norm`] = value === null ? null : normalizeIdentifier(value as string);
        break;
      case 'email_verified':
      case 'active':
      case 'password_migration_pending':
        row[key] = value ? 1 : 0;
        break;
      case 'metadata':
      case 'extensions':
        row[key] = JSON.stringify(value);
        break;
      default:
        row[key] = value;
    }
  }
  return row as Partial<UserRow>;
}
