/**
 * The WorkOS representation of a canonical user (contracts/workos-users-api.md §3), shared by the
 * WorkOS door (src/http/workos) and the WorkOS webhook format (src/webhooks): ids, metadata and
 * the User object. It lives in formats/, beside neither, because the webhook worker must not
 * import the HTTP layer; formats/ imports only the domain.
 */
import type { JsonObject, JsonValue, User } from '../domain/user.ts';

// WorkOS shows user ids as `user_` + an upper-case ULID; Userplane's are `usr_` + the same ULID in
// lower case. Either form is accepted on input, so an id the SDK got from this server round-trips.
// Crockford base32 (no I, L, O, U), either case, either prefix.
const USER_ID = /^(?:user|usr)_([0-9a-hjkmnp-tv-z]{26})$/i;
const CANONICAL_ID = /^usr_([0-9a-hjkmnp-tv-z]{26})$/;

/** True when the value is a user id in either form (used to check list cursors). */
export function isUserId(value: string): boolean {
  return USER_ID.test(value);
}

/** The canonical id (`usr_…`) of a WorkOS-form or canonical id; anything else is returned as is (and will not be found). */
export function toCanonicalUserId(id: string): string {
  const match = USER_ID.exec(id);
  return match ? `usr_${match[1]!.toLowerCase()}` : id;
}

/** The WorkOS form (`user_…`) of a canonical id. */
export function toWorkosUserId(id: string): string {
  const match = CANONICAL_ID.exec(id);
  return match ? `user_${match[1]!.toUpperCase()}` : id;
}

/**
 * Metadata as the WorkOS wire shows it (string values). A value set through another door that is
 * not a string is shown as its JSON text rather than hidden.
 */
export function workosMetadata(metadata: JsonObject): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    Object.defineProperty(shown, key, { value: typeof value === 'string' ? value : JSON.stringify(value as JsonValue), enumerable: true, writable: true, configurable: true });
  }
  return shown;
}

/** The User object of the contract (§3): every key, always. */
export function workosUser(user: User) {
  return {
    object: 'user' as const,
    id: toWorkosUserId(user.id),
    email: user.email,
    email_verified: user.email_verified,
    first_name: user.first_name,
    last_name: user.last_name,
    name: user.name,
    profile_picture_url: user.avatar_url,
    // Userplane verifies passwords but runs no sign-ins, so there is never a last one to show.
    last_sign_in_at: null,
    locale: user.locale,
    external_id: user.external_id,
    metadata: workosMetadata(user.metadata),
    created_at: user.created_at,
    updated_at: user.updated_at,
  };
}
