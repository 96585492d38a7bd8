/**
 * WorkOS's webhook format, for applications that already receive WorkOS events: its event shape
 * `{id, event, data, created_at}` with its User object, and `WorkOS-Signature: t=<ms>,v1=<hex>`,
 * an HMAC-SHA256 of "<t>.<body>" keyed with the secret's text, which `webhooks.constructEvent`
 * of @workos-inc/node verifies.
 *
 * The event and User objects are the WorkOS door's own (src/formats/workos-event.ts, workos-user.ts).
 */
import { createHmac } from 'node:crypto';
import type { GroupWithCount } from '../domain/group.ts';
import type { JsonValue, User } from '../domain/user.ts';
import { toWorkosEventId, workosEvent } from '../formats/workos-event.ts';
import { workosDirectoryGroup } from '../formats/workos-group.ts';
import { isGroupEvent, type UserEvent } from '../store/contract.ts';
import type { WebhookFormat } from './format.ts';

/** The webhook body: WorkOS's event object (shared with the door's Events API). */
export function workosPayload(event: UserEvent) {
  if (isGroupEvent(event)) return workosGroupPayload(event);
  return workosEvent({ ...event, snapshot: event.snapshot as User | null });
}

/** Group events as WorkOS Directory Sync sends them: `dsync.group.*` with a Directory Group. */
function workosGroupPayload(event: UserEvent) {
  const previous =
    event.type === 'group.updated' ? Object.fromEntries(Object.entries(event.changes).map(([field, change]): [string, JsonValue] => [field, change.previous])) : undefined;
  return {
    id: toWorkosEventId(event.id),
    event: `dsync.${event.type}`,
    data: event.snapshot ? workosDirectoryGroup(event.snapshot as GroupWithCount, previous) : null,
    created_at: event.created_at,
  };
}

export const workosFormat: WebhookFormat = {
  body: (event) => JSON.stringify(workosPayload(event)),
  headers({ timestamp, body, secrets }) {
    const t = String(timestamp.getTime());
    // The SDK checks the first v1 only, so the newest secret leads; a rotated-out one follows for
    // receivers that check every v1 during the overlap.
    const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
    return { 'WorkOS-Signature': [`t=${t}`, ...signatures].join(',') };
  },
};
