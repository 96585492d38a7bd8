/**
 * The one place that turns a database's unique-constraint error into the domain's ConflictError.
 * SQLite names the columns ("UNIQUE constraint failed: users.environment, users.email_norm"),
 * PostgreSQL the index ("users_email_key", code 23505).
 */
import { ConflictError, type UniqueField } from '../domain/errors.ts';

const BY_INDEX: Record<string, UniqueField> = {
  users_email_key: 'email',
  users_username_key: 'username',
  users_external_id_key: 'external_id',
  identities_provider_key: 'identity',
  // A group's external id is unique like a user's; the codecs name the field the same way.
  groups_external_id_key: 'external_id',
};

const BY_COLUMNS: Array<[RegExp, UniqueField]> = [
  [/users\.email_norm/, 'email'],
  [/users\.username_norm/, 'username'],
  [/users\.external_id/, 'external_id'],
  [/identities\.provider_user_id/, 'identity'],
  [/groups\.external_id/, 'external_id'],
];

interface DriverError {
  code?: string;
  constraint?: string;
  message?: string;
}

export function uniqueViolationField(error: unknown): UniqueField | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as DriverError;
  if (e.code === '23505' && e.constraint) return BY_INDEX[e.constraint] ?? null;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return BY_COLUMNS.find(([pattern]) => pattern.test(e.message ?? ''))?.[1] ?? null;
  }
  return null;
}

/** Rethrows a unique violation as a ConflictError naming the field; anything else unchanged. */
export function asConflict(error: unknown): unknown {
  const field = uniqueViolationField(error);
  return field ? new ConflictError(field) : error;
}
