/** The events services append: their change sets (secrets never enter them) and the append itself. */
import { newId } from '../domain/ids.ts';
import { jsonEqual, put } from '../domain/metadata.ts';
import { WRITABLE_FIELDS, type ChangeSet, type JsonObject, type JsonValue, type User } from '../domain/user.ts';
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

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What an event keeps of a change (issue 16, item 3: sized by the change, not by the user): for
 * metadata, only the keys that changed, each side with the keys it had: an added key is absent
 * from `previous`, a removed one from `current` (as in webhooks' previous_attributes). Every other
 * field is one value already.
 */
export function eventChanges(changes: ChangeSet): ChangeSet {
  const metadata = changes.metadata;
  if (!metadata || !isObject(metadata.previous) || !isObject(metadata.current)) return changes;
  const previous: JsonObject = {};
  const current: JsonObject = {};
  for (const key of new Set([...Object.keys(metadata.previous), ...Object.keys(metadata.current)])) {
    const before = Object.hasOwn(metadata.previous, key) ? metadata.previous[key] : undefined;
    const after = Object.hasOwn(metadata.current, key) ? metadata.current[key] : undefined;
    if (before !== undefined && after !== undefined && jsonEqual(before, after)) continue;
    // Own properties: a "__proto__" key is data (domain/metadata.ts), and must reach the event.
    if (before !== undefined) put(previous, key, before);
    if (after !== undefined) put(current, key, after);
  }
  return { ...changes, metadata: { previous, current } };
}

type NewUserEvent = { type: UserEvent['type']; userId: string; changes: ChangeSet; at: string; snapshot: User | null };

/** The event a change appends (see appendUserEvent), for a store call that appends it itself. */
export function userEvent(ctx: RequestContext, event: NewUserEvent): Parameters<StoreQueries['events']['append']>[0] {
  return {
    id: newId('evt'),
    environment: ctx.environment,
    user_id: event.userId,
    type: event.type,
    actor: ctx.actor,
    request_id: ctx.requestId,
    door: ctx.door,
    changes: eventChanges(event.changes),
    created_at: event.at,
    snapshot: event.snapshot,
    ...(ctx.bulk ? { bulk: true } : {}),
  };
}

/**
 * Appends a user event in the caller's transaction. `snapshot` is the user after the change
 * (before it, for a deletion), for webhook payloads: the store keeps it only when an endpoint
 * takes the event. Null: none (an erased user's deletion).
 */
export function appendUserEvent(tx: StoreQueries, ctx: RequestContext, event: NewUserEvent): Promise<void> {
  return tx.events.append(userEvent(ctx, event));
}
