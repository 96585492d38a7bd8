/** Row types of the webhook tables (migration 003), as Kysely sees them. */
import type { ColumnType } from 'kysely';

export interface WebhookEndpointsTable {
  id: string;
  environment: string;
  url: string;
  description: string | null;
  /** JSON array of event types; [] means every type. */
  event_types: string;
  format: string;
  enabled: number;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  status: string;
  failure_reason: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
  /** 1: takes the events of imported users (migration 010). */
  include_imports: ColumnType<number, number | undefined, number>;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  environment: string;
  // int8 on PostgreSQL arrives as a string; the store converts.
  event_seq: ColumnType<number | string, number, number>;
  event_id: string;
  event_type: string;
  user_id: string;
  state: string;
  attempts: number;
  next_attempt_at: string | null;
  retry_from: string;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
  /** 1: the event came from an import; claimed after the endpoint's due live deliveries (migration 010). */
  bulk: ColumnType<number, number | undefined, number>;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  succeeded: number;
  http_status: number | null;
  latency_ms: number;
  error: string | null;
  created_at: string;
}
