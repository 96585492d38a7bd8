/**
 * WorkOS's event object `{object, id, event, data, created_at}` with its User object as data,
 * shared by the WorkOS webhook format (src/webhooks/workos-format.ts) and the WorkOS door's
 * Events API (GET /events). It takes the event's fields structurally: formats/ sees only the domain.
 */
import { isRedactedChangeSet } from '../domain/redaction.ts';
import type { ChangeSet, User } from '../domain/user.ts';
import { toWorkosUserId, workosUser } from './workos-user.ts';

/** The parts of a stored event the WorkOS shape shows. */
export interface WorkosEventSource {
  id: string;
  type: string;
  created_at: string;
  snapshot: User | null;
  /** The event's subject and changes: an erased user's events (issue 16) carry only the id, marked redacted. */
  user_id: string;
  changes: ChangeSet;
}

/** `evt_` + lower-case ULID → WorkOS's `event_` + upper-case ULID. */
export function toWorkosEventId(id: string): string {
  return id.startsWith('evt_') ? `event_${id.slice(4).toUpperCase()}` : id;
}

// Crockford base32 (no I, L, O, U), either case, either prefix: ids the door handed out round-trip.
const EVENT_ID = /^(?:event|evt)_([0-9a-hjkmnp-tv-z]{26})$/i;

/** The canonical id (`evt_…`) of a WorkOS-form or canonical event id; null when it is neither. */
export function toCanonicalEventId(id: string): string | null {
  const match = EVENT_ID.exec(id);
  return match ? `evt_${match[1]!.toLowerCase()}` : null;
}

export function workosEvent(event: WorkosEventSource) {
  return {
    id: toWorkosEventId(event.id),
    event: event.type,
    data: isRedactedChangeSet(event.changes)
      ? { object: 'user' as const, id: toWorkosUserId(event.user_id), redacted: true as const }
      : event.snapshot
        ? workosUser(event.snapshot)
        : null,
    created_at: event.created_at,
  };
}
