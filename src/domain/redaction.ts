/**
 * What a deleted user's history keeps once erased (issue 16, item 1): every event keeps its
 * skeleton (id, type, time, actor, request id, door, the names of the changed fields) and each
 * value becomes this marker, so readers of events, webhook payloads and the pull feed see that a
 * value was there and was erased, rather than a null they could mistake for "was empty".
 */
import type { ChangeSet, JsonValue } from './user.ts';

/** Where a value was erased. An object, so that no real field value (never an object with only this key) can be mistaken for it. */
export const REDACTED_VALUE: { readonly redacted: true } = Object.freeze({ redacted: true as const });

/** What USERPLANE_DELETED_USER_HISTORY chooses: erase a deleted user's values, or keep them for ever. */
export type DeletedUserHistory = 'redact' | 'keep';

export function isRedactedValue(value: JsonValue | undefined): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && value.redacted === true;
}

/** The same fields, every value erased. */
export function redactChanges(changes: ChangeSet): ChangeSet {
  return Object.fromEntries(Object.keys(changes).map((field) => [field, { previous: { ...REDACTED_VALUE }, current: { ...REDACTED_VALUE } }]));
}

/** True when this change set has been erased (every value is the marker; an empty set is not). */
export function isRedactedChangeSet(changes: ChangeSet): boolean {
  const values = Object.values(changes);
  return values.length > 0 && values.every((change) => isRedactedValue(change.previous) && isRedactedValue(change.current));
}

/** What a stored Idempotency-Key response that described an erased user is replayed as. */
export const ERASED_RESPONSE_BODY = JSON.stringify({
  redacted: true,
  message: 'This response described a user who has since been deleted; its data was erased (USERPLANE_DELETED_USER_HISTORY=redact).',
});

/** The stored response in place of one that described an erased user: the same status, no data. */
export function erasedResponse(status: number): { status: number; headers: Record<string, string>; body: string } {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: ERASED_RESPONSE_BODY };
}
