/** Row types of the tables, as Kysely sees them. Booleans are stored as 0/1 on both databases. */
import type { ColumnType, Generated } from 'kysely';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from './webhook-schema.ts';

export interface UsersTable {
  id: string;
  environment: string;
  email: string | null;
  email_norm: string | null;
  email_verified: number;
  pending_email: string | null;
  username: string | null;
  username_norm: string | null;
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
  active: number;
  last_seen_at: string | null;
  last_typed_at: string | null;
  metadata: string;
  extensions: string;
  password_hash: string | null;
  password_hash_type: string | null;
  /** Migration 009: 1 while the password must come from the migration hook. */
  password_migration_pending: number;
  source: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface UserEventsTable {
  // int8 on PostgreSQL arrives as a string; the store converts.
  seq: ColumnType<number | string, never, never>;
  id: string;
  environment: string;
  user_id: string;
  type: string;
  actor: string;
  request_id: string | null;
  door: string;
  changes: string;
  created_at: string;
  /** Public user JSON after the change (migration 003); null on older events. */
  snapshot: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * Migration 012: the writing transaction's id on PostgreSQL (xid8, read as a string), 0 on SQLite.
   * Filled by the database; only the event feed reads it.
   */
  xid: ColumnType<string | number, never, never>;
}

export interface ApiKeysTable {
  id: string;
  environment: string;
  name: string;
  type: string;
  scopes: string;
  secret_hash: string;
  preview: string;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
  /** Migration 007: a publishable key's end-user proof secret; null when it needs no proof. */
  user_proof_secret: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface IdentitiesTable {
  id: string;
  environment: string;
  user_id: string;
  provider: string;
  provider_user_id: string;
  email: string | null;
  created_at: string;
}

export interface EmailVerificationsTable {
  user_id: string;
  environment: string;
  email: string;
  code_hash: string;
  attempts: number;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface EmailVerificationSendsTable {
  user_id: string;
  sent_at: string;
}

export interface PasswordAttemptsTable {
  id: string;
  user_id: string;
  attempted_at: string;
}

export interface IdempotencyKeysTable {
  environment: string;
  credential: string;
  key: string;
  request_hash: string;
  state: string;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
  created_at: string;
}

/** Migration 013: groups (issue 17). */
export interface GroupsTable {
  id: string;
  environment: string;
  display_name: string;
  display_name_norm: string;
  external_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
  created_at: string;
}

/** Migration 015: one row, bumped by triggers whenever an endpoint's subscription changes (issue 19). */
export interface WebhookEndpointVersionTable {
  id: number;
  // int8: a string from PostgreSQL.
  version: ColumnType<number | string, number, number>;
}

export interface Database {
  users: UsersTable;
  user_events: UserEventsTable;
  api_keys: ApiKeysTable;
  identities: IdentitiesTable;
  email_verifications: EmailVerificationsTable;
  email_verification_sends: EmailVerificationSendsTable;
  idempotency_keys: IdempotencyKeysTable;
  password_attempts: PasswordAttemptsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  webhook_endpoint_version: WebhookEndpointVersionTable;
}

export type UserRow = UsersTable;
export type Seq = Generated<number>;
