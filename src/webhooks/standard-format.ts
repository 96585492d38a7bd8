/**
 * Userplane's own payload, signed as the Standard Webhooks specification says
 * (webhook-id, webhook-timestamp, webhook-signature; https://www.standardwebhooks.com).
 */
import { Webhook } from 'standardwebhooks';
import type { GroupWithCount } from '../domain/group.ts';
import type { JsonValue, User } from '../domain/user.ts';
import { canonicalGroup } from '../formats/canonical-group.ts';
import { canonicalUser } from '../formats/canonical-user.ts';
import { isGroupEvent, type UserEvent } from '../store/contract.ts';
import type { WebhookFormat } from './format.ts';
import { isRedactedChangeSet } from '../domain/redaction.ts';


/** Old values of the changed fields only; the change set already holds secrets redacted. */
function previousAttributes(event: UserEvent): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(event.changes).map(([field, change]) => [field, change.previous]));
}

export function standardPayload(event: UserEvent) {
  return {
    id: event.id,
    object: 'event' as const,
    type: event.type,
    timestamp: event.created_at,
    environment: event.environment,
    data: {
      // After the change; for user.deleted, the user as it was when deleted. An erased user's
      // events (issue 16) carry only who it was: the id, marked redacted.
      object: isRedactedChangeSet(event.changes)
        ? { id: event.user_id, object: 'user' as const, redacted: true as const }
        : event.snapshot === null
          ? null
          : isGroupEvent(event)
            ? canonicalGroup(event.snapshot as GroupWithCount)
            : canonicalUser(event.snapshot as User),
      ...(event.type === 'user.updated' || event.type === 'group.updated' ? { previous_attributes: previousAttributes(event) } : {}),
    },
    actor: event.actor,
    door: event.door,
    request_id: event.request_id,
  };
}

export const standardFormat: WebhookFormat = {
  body: (event) => JSON.stringify(standardPayload(event)),
  headers({ messageId, timestamp, body, secrets }) {
    // During a rotation both secrets sign; receivers accept any one signature they can verify.
    const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, body));
    return {
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signatures.join(' '),
    };
  },
};
