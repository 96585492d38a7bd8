/**
 * The storage contract of webhooks (part of ./contract.ts's StoreQueries as `webhooks`).
 * Deliveries are the outbox: events.append queues them in the event's own transaction, the
 * worker claims due ones under a lease, posts them, and records each attempt.
 */
import type { Environment } from '../domain/user.ts';
import type { WebhookDeliveryState, WebhookEndpointStatus, WebhookEventType, WebhookFormatName } from '../domain/webhooks.ts';
import type { ListPage, UserEvent } from './contract.ts';

export interface WebhookEndpoint {
  id: string;
  environment: Environment;
  url: string;
  description: string | null;
  /** Empty: every type. */
  event_types: WebhookEventType[];
  format: WebhookFormatName;
  enabled: boolean;
  secret: string;
  /** The secret before the last rotation, still signing until previous_secret_expires_at. */
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  status: WebhookEndpointStatus;
  /** Why the endpoint is failing: the last error of the delivery that ran out of retries. */
  failure_reason: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
  /** False: no deliveries of events caused by an import (batch requests marked Userplane-Import). */
  include_imports: boolean;
}

export type WebhookEndpointChanges = Partial<
  Pick<WebhookEndpoint, 'url' | 'description' | 'event_types' | 'enabled' | 'include_imports' | 'secret' | 'previous_secret' | 'previous_secret_expires_at'>
> & { updated_at: string };

/** One event for one endpoint, with its delivery state. */
export interface WebhookDelivery {
  id: string;
  endpoint_id: string;
  environment: Environment;
  event_seq: number;
  event_id: string;
  event_type: WebhookEventType;
  user_id: string;
  state: WebhookDeliveryState;
  attempts: number;
  /** When the next attempt is due; null once the delivery succeeded or failed for good. */
  next_attempt_at: string | null;
  /** Start of the retry window: the event's time, or the time of a manual retry. */
  retry_from: string;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttempt {
  delivery_id: string;
  /** 1 for the first attempt, counting on across manual retries. */
  attempt: number;
  succeeded: boolean;
  /** The receiver's status; null on a timeout or connection error. */
  http_status: number | null;
  latency_ms: number;
  error: string | null;
  created_at: string;
}

export interface DeliveryWithAttempts extends WebhookDelivery {
  attempt_log: WebhookAttempt[];
}

/** A delivery the worker holds under a lease, with what it needs to send it. */
export interface ClaimedDelivery {
  delivery: WebhookDelivery;
  endpoint: WebhookEndpoint;
  event: UserEvent;
}

export interface ClaimOptions {
  now: string;
  limit: number;
  /** Written on the claimed rows; only its holder's results are applied to them. */
  leaseOwner: string;
  leaseUntil: string;
  /** Most to take per environment (within `limit`); an environment not named gets none. Omitted: no such limit. */
  perEnvironment?: Partial<Record<Environment, number>>;
  /** Most deliveries in flight per endpoint, counting every worker's unexpired leases. Omitted: no cap. */
  endpointConcurrency?: number;
}

export interface WebhookQueries {
  insertEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  /** The endpoint, or null when none has this id in this environment. */
  findEndpoint(environment: Environment, id: string): Promise<WebhookEndpoint | null>;
  /** The environment's endpoints, oldest first, after the cursor endpoint id. */
  listEndpoints(environment: Environment, page: { limit: number; after?: string; before?: string }): Promise<ListPage<WebhookEndpoint>>;
  /** How many endpoints the environment has. */
  countEndpoints(environment: Environment): Promise<number>;
  /**
   * Must run in a transaction. Inserts the endpoint unless its environment already has `max`;
   * returns false then. Creations racing each other take turns, so the limit holds exactly.
   */
  insertEndpointWithin(endpoint: WebhookEndpoint, max: number): Promise<boolean>;
  /** Returns false when no endpoint matched. */
  updateEndpoint(environment: Environment, id: string, changes: WebhookEndpointChanges): Promise<boolean>;
  /** Deletes the endpoint with its deliveries and attempts. Returns false when nothing matched. */
  deleteEndpoint(environment: Environment, id: string): Promise<boolean>;
  /**
   * Must run in a transaction. Leases up to `limit` pending deliveries that are due, unleased (or
   * whose lease expired), of enabled endpoints, and not behind an unfinished earlier delivery of
   * the same user to the same endpoint. Fair: every endpoint with a due delivery gets one before
   * any gets a second, longest due first, within `perEnvironment` and `endpointConcurrency`. With
   * the skipLocked capability, rows another transaction is claiming are skipped rather than
   * waited for. Empty when none; returned in event order.
   */
  claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /**
   * Logs the attempt and, while `leaseOwner` still holds the delivery, moves it to `next` and
   * releases the lease. Returns false when the lease had passed to another worker (the attempt
   * is logged all the same).
   */
  recordAttempt(leaseOwner: string, attempt: WebhookAttempt, next: { state: WebhookDeliveryState; next_attempt_at: string | null }): Promise<boolean>;
  /** Marks the endpoint failing with this reason; failing_since keeps its first value. */
  markEndpointFailing(endpointId: string, reason: string, at: string): Promise<void>;
  /** Clears a failing status; does nothing to a healthy endpoint. */
  markEndpointHealthy(endpointId: string, at: string): Promise<void>;
  /**
   * The endpoint's deliveries, newest event first, each with its attempts: after the cursor delivery
   * id (older events), or with `before` the `limit` just before it (newer events, still newest first).
   */
  listDeliveries(
    environment: Environment,
    endpointId: string,
    options: { limit: number; after?: string; before?: string; state?: WebhookDeliveryState },
  ): Promise<ListPage<DeliveryWithAttempts>>;
  /** The delivery with its attempts, or null when the endpoint has no delivery with this id. */
  findDelivery(environment: Environment, endpointId: string, deliveryId: string): Promise<DeliveryWithAttempts | null>;
  /** How many deliveries are pending (due or waiting for a retry), across every endpoint and environment; 0 when none. */
  countPending(): Promise<number>;
  /** Makes the delivery pending and due at `now` with a fresh retry window. Returns false when nothing matched. */
  requeue(environment: Environment, endpointId: string, deliveryId: string, now: string): Promise<boolean>;
}

export interface QueuedEvent {
  seq: number;
  id: string;
  environment: Environment;
  type: string;
  user_id: string;
  created_at: string;
  /** Caused by an import: its deliveries go behind live ones, and skip endpoints without include_imports. */
  bulk?: boolean;
}
