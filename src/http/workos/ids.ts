/**
 * WorkOS shows user ids as `user_` + an upper-case ULID; Userplane's are `usr_` + the same ULID in
 * lower case. The door maps one to the other both ways and accepts either form on input, so an id
 * the SDK got from this server always round-trips.
 */

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
