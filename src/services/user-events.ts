/** The events services append: their change sets (secrets never enter them) and the append itself. */
import { newId } from '../domain/ids.ts';
import { WRITABLE_FIELDS, type ChangeSet, type JsonValue, type User } from '../domain/user.ts';
import type { StoreQueries, UserEvent } from '../store/contract.ts';
import type { RequestContext } from './context.ts';

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

/**
 * Appends a user event in the caller's transaction. `snapshot` is the user after the change
 * (before it, for a deletion), for webhook payloads.
 */
export function appendUserEvent(
  tx: StoreQueries,
  ctx: RequestContext,
  event: { type: UserEvent['type']; userId: string; changes: ChangeSet; at: string; snapshot: User },
): Promise<void> {
  return tx.events.append({
    id: newId('evt'),
    environment: ctx.environment,
    user_id: event.userId,
    type: event.type,
    actor: ctx.actor,
    request_id: ctx.requestId,
    door: ctx.door,
    changes: event.changes,
    created_at: event.at,
    snapshot: event.snapshot,
    ...(ctx.bulk ? { bulk: true } : {}),
  });
}
