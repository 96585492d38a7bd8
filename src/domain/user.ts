/** The canonical user, as services see it and as the /v1 door shows it. */

export type Environment = 'live' | 'test';
export const ENVIRONMENTS: readonly Environment[] = ['live', 'test'];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Which API door a change came through; kept on events and as a user's `source`. */
export type Door = 'v1' | 'workos' | 'proficient' | 'klaim' | 'stateset' | 'scim' | 'cli' | 'console';

export interface User {
  id: string;
  environment: Environment;
  email: string | null;
  email_verified: boolean;
  pending_email: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  name: string | null;
  role: string | null;
  external_id: string | null;
  locale: string | null;
  phone: string | null;
  avatar_url: string | null;
  bio: string | null;
  birthday: string | null;
  country: string | null;
  location: string | null;
  organization: string | null;
  title: string | null;
  twitter: string | null;
  regions: string | null;
  active: boolean;
  last_seen_at: string | null;
  last_typed_at: string | null;
  metadata: JsonObject;
  /** Per-door data with no canonical home (e.g. Klaim's credit_balance), never on the /v1 wire. */
  extensions: Record<string, JsonObject>;
  password_set: boolean;
  source: Door;
  version: number;
  created_at: string;
  updated_at: string;
}

/** The writable fields and their rules are derived from the table in user-fields.ts. */
export { NON_NULLABLE_FIELDS, WRITABLE_FIELDS, type WritableField } from './user-fields.ts';
import type { WritableField } from './user-fields.ts';

/** Fields that exist on the user but are never written by a patch. */
export const READ_ONLY_FIELDS = [
  'id',
  'object',
  'environment',
  'pending_email',
  'password_set',
  'source',
  'version',
  'created_at',
  'updated_at',
] as const;

/** Write-only secrets: accepted only by the password endpoint, never stored as plain fields. */
export const SECRET_FIELDS = ['password', 'password_hash', 'password_hash_type'] as const;

/** Fields that hold a user identifier; a user must always keep at least one of them. */
export const IDENTIFIER_FIELDS = ['email', 'username', 'external_id'] as const;

export type UserPatch = Partial<Record<WritableField, unknown>>;

/** The subset of a user that a planned change may touch. */
export type UserChanges = Partial<
  Pick<User, WritableField | 'pending_email' | 'extensions' | 'password_set'>
>;

/** One changed field: previous and new value, as recorded on events. */
export interface FieldChange {
  previous: JsonValue;
  current: JsonValue;
}
export type ChangeSet = Record<string, FieldChange>;

/** Case-insensitive comparison key for email and username: NFKC, then lower case. */
export function normalizeIdentifier(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

export function etagFor(user: Pick<User, 'version'>): string {
  return `"${user.version}"`;
}
