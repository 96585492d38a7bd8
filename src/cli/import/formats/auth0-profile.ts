/**
 * The Auth0 user profile as both the bulk-import JSON and the export job's NDJSON carry it, mapped to
 * the canonical user. Auth0's user_metadata and app_metadata land in metadata under those two keys.
 */
import { normalizeLocale, normalizePhone, type JsonObject, type UserMapping } from './mapping.ts';

/** Profile fields with a canonical home (or read by the formats themselves); any other field is reported. */
export const AUTH0_KNOWN = new Set([
  'user_id', 'email', 'email_verified', 'username', 'given_name', 'family_name', 'name', 'picture', 'blocked',
  'phone_number', 'locale', 'user_metadata', 'app_metadata', 'last_login', 'password_hash', 'custom_password_hash',
]);

export function mapAuth0Profile(m: UserMapping, user: JsonObject): void {
  m.text('email', user.email);
  m.boolean('email_verified', user.email_verified);
  m.text('username', user.username);
  m.text('first_name', user.given_name);
  m.text('last_name', user.family_name);
  m.text('name', user.name);
  m.text('avatar_url', user.picture);
  m.text('phone', user.phone_number, normalizePhone);
  m.text('locale', user.locale, normalizeLocale);
  if (typeof user.blocked === 'boolean') m.data.active = !user.blocked;
  m.time('last_seen_at', user.last_login, 'last_login');
  m.meta('user_metadata', user.user_metadata);
  m.meta('app_metadata', user.app_metadata);
}
