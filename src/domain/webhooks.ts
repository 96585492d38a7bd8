/** What webhook endpoints may ask for: event types, payload formats, and the rules for an endpoint URL. */
import { ValidationError, type FieldErrors } from './errors.ts';

export const WEBHOOK_EVENT_TYPES = ['user.created', 'user.updated', 'user.deleted', 'group.created', 'group.updated', 'group.deleted'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `standard`: Userplane's payload signed per Standard Webhooks; `workos`: WorkOS's event shape and signature. */
export const WEBHOOK_FORMATS = ['standard', 'workos'] as const;
export type WebhookFormatName = (typeof WEBHOOK_FORMATS)[number];

export type WebhookEndpointStatus = 'healthy' | 'failing';
export type WebhookDeliveryState = 'pending' | 'succeeded' | 'failed';

/** A rotated-out secret keeps signing alongside the new one this long, so receivers can switch without losing events. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 3600_000;

export interface WebhookEndpointInput {
  url?: string;
  event_types?: string[];
  enabled?: boolean;
  format?: string;
  /** false: no deliveries of events caused by an import. */
  include_imports?: boolean;
  description?: string | null;
}

/** Checks an endpoint's fields; throws ValidationError naming every bad one. */
export function checkWebhookEndpoint(input: WebhookEndpointInput): void {
  const details: FieldErrors = {};
  // Stored as text, and PostgreSQL refuses NUL in text: a 400 on both databases, not a 500 on one.
  for (const field of ['url', 'description'] as const) {
    if (input[field]?.includes('\u0000')) details[field] = ['Must not contain NUL characters'];
  }
  if (input.url !== undefined && !details.url) {
    const problem = urlProblem(input.url);
    if (problem) details.url = [problem];
  }
  if (input.event_types !== undefined) {
    const unknown = input.event_types.filter((type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type));
    if (unknown.length > 0) details.event_types = [`Unknown event type: ${unknown.join(', ')}; use ${WEBHOOK_EVENT_TYPES.join(', ')}`];
    else if (new Set(input.event_types).size !== input.event_types.length) details.event_types = ['Must not repeat event types'];
  }
  if (input.format !== undefined && !(WEBHOOK_FORMATS as readonly string[]).includes(input.format)) {
    details.format = [`Must be one of: ${WEBHOOK_FORMATS.join(', ')}`];
  }
  if (Object.keys(details).length > 0) throw new ValidationError(details);
}

function urlProblem(text: string): string | null {
  if (text.length > 2048) return 'Must be at most 2048 characters';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Must be an http or https URL';
  // Credentials would be sent with every delivery and shown to every admin: the signature authenticates instead.
  if (url.username !== '' || url.password !== '') return 'Must not contain credentials (user:password@)';
  // A fragment never reaches the receiver, so one in the URL is a mistake worth naming.
  if (url.hash !== '') return 'Must not contain a fragment (#…)';
  return null;
}
