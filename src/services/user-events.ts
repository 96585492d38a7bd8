/** Building the change sets that events record. Secrets never enter them. */
import { WRITABLE_FIELDS, type ChangeSet, type JsonValue, type User } from '../domain/user.ts';

const RECORDED_FIELDS = [...WRITABLE_FIELDS, 'pending_email', 'password_set'] as const;

/** All set fields of a new user, as changes from null. */
export function creationChanges(user: User): ChangeSet {
  const changes: ChangeSet = {};
  for (const field of RECORDED_FIELDS) {
    const value = user[field] as JsonValue;
    if (value === null || (field === 'metadata' && Object.keys(user.metadata).length === 0)) continue;
    changes[field] = { previous: null, current: value };
  }
  return changes;
}

/** All set fields of a deleted user, as changes to null. */
export function deletionChanges(user: User): ChangeSet {
  const changes: ChangeSet = {};
  for (const [field, change] of Object.entries(creationChanges(user))) {
    changes[field] = { previous: change.current, current: null };
  }
  return changes;
}
