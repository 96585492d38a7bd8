/**
 * Every event type Userplane records, for the event feed's `types` filter (an unknown name is a
 * 400, never an empty feed that looks like nothing happened). Webhooks carry the subscribable ones
 * (webhooks.ts); the others are audit entries read through the feed and a user's history.
 */
import { WEBHOOK_EVENT_TYPES } from './webhooks.ts';

/**
 * user.exported: an export of everything Userplane holds about one user (GET /v1/users/{id}/export);
 * users.exported: an export of every user of the environment (GET /v1/users/export).
 */
export const AUDIT_EVENT_TYPES = ['user.exported', 'users.exported'] as const;

export const EVENT_TYPES: readonly string[] = [...WEBHOOK_EVENT_TYPES, ...AUDIT_EVENT_TYPES];
