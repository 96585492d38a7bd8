/**
 * WorkOS's webhook format, for applications that already receive WorkOS events: its event shape
 * `{id, event, data, created_at}` with its User object, and `WorkOS-Signature: t=<ms>,v1=<hex>`,
 * an HMAC-SHA256 of "<t>.<body>" keyed with the secret's text, which `webhooks.constructEvent`
 * of @workos-inc/node verifies.
 *
 * The User mapping follows contracts/workos-users-api.md §3. It duplicates the WorkOS door's
 * `workosUser` (src/http/workos/wire.ts) because the worker may not import from src/http; the
 * two belong in one module below http.
 */
import { createHmac } from 'node:crypto';
import type { JsonObject, User } from '../domain/user.ts';
import type { UserEvent } from '../store/contract.ts';
import type { WebhookFormat } from './format.ts';

/** `usr_` + lower-case ULID → WorkOS's `user_` + upper-case ULID (likewise evt_ → event_). */
function workosId(id: string, from: string, to: string): string {
  return id.startsWith(`${from}_`) ? `${to}_${id.slice(from.length + 1).toUpperCase()}` : id;
}

/** WorkOS metadata holds strings; a value set through another door is shown as its JSON text. */
function stringMetadata(metadata: JsonObject): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
}

export function workosWebhookUser(user: User) {
  return {
    object: 'user' as const,
    id: workosId(user.id, 'usr', 'user'),
    email: user.email,
    email_verified: user.email_verified,
    first_name: user.first_name,
    last_name: user.last_name,
    name: user.name,
    profile_picture_url: user.avatar_url,
    // Userplane runs no sign-ins, so there is never a last one.
    last_sign_in_at: null,
    locale: user.locale,
    external_id: user.external_id,
    metadata: stringMetadata(user.metadata),
    created_at: user.created_at,
    updated_at: user.updated_at,
  };
}

export function workosPayload(event: UserEvent) {
  return {
    id: workosId(event.id, 'evt', 'event'),
    event: event.type,
    data: event.snapshot ? workosWebhookUser(event.snapshot) : null,
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
