/** Conversion between webhook rows (and the event row the worker reads) and the contract's types. */
import type { Selectable } from 'kysely';
import type { Door, Environment } from '../domain/user.ts';
import type { WebhookDeliveryState, WebhookEndpointStatus, WebhookEventType, WebhookFormatName } from '../domain/webhooks.ts';
import type { UserEvent } from './contract.ts';
import type { UserEventsTable } from './schema.ts';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './webhook-contract.ts';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from './webhook-schema.ts';

export function fromEndpointRow(row: Selectable<WebhookEndpointsTable>): WebhookEndpoint {
  return {
    ...row,
    environment: row.environment as Environment,
    event_types: JSON.parse(row.event_types) as WebhookEventType[],
    format: row.format as WebhookFormatName,
    enabled: Boolean(row.enabled),
    include_imports: Number(row.include_imports) !== 0,
    status: row.status as WebhookEndpointStatus,
  };
}

export function fromDeliveryRow(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  const { lease_owner: _owner, lease_until: _until, bulk: _bulk, ...rest } = row;
  return {
    ...rest,
    environment: row.environment as Environment,
    event_seq: Number(row.event_seq),
    event_type: row.event_type as WebhookEventType,
    state: row.state as WebhookDeliveryState,
    attempts: Number(row.attempts),
  };
}

export function fromAttemptRow(row: WebhookAttemptsTable): WebhookAttempt {
  return { ...row, attempt: Number(row.attempt), succeeded: Boolean(row.succeeded), latency_ms: Number(row.latency_ms) };
}

export function fromEventRow(eventRow: Selectable<UserEventsTable>): UserEvent {
  // The writing transaction's id is the feed's business (feed-queries.ts), not the event's.
  const { xid: _xid, ...row } = eventRow;
  return {
    ...row,
    seq: Number(row.seq),
    environment: row.environment as Environment,
    type: row.type as UserEvent['type'],
    door: row.door as Door,
    changes: JSON.parse(row.changes),
    snapshot: row.snapshot ? JSON.parse(row.snapshot) : null,
  };
}

