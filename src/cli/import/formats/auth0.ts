/**
 * --from auth0: Auth0's bulk-import JSON (an array of users), the file Auth0 itself accepts and many
 * teams already keep. password_hash is bcrypt; custom_password_hash is mapped by auth0-hash.ts.
 */
import { auth0CustomHash } from './auth0-hash.ts';
import { AUTH0_KNOWN, mapAuth0Profile } from './auth0-profile.ts';
import { jsonFormat } from './json-format.ts';
import { isObject, REDACTED, stringOrUndefined, UserMapping, type HashResult, type JsonObject } from './mapping.ts';

const REDACTED_NOTE = 'password hash was redacted (a record from an errors file): imported without it and marked for the password migration hook';

function passwordOf(user: JsonObject, m: UserMapping): HashResult | undefined {
  const custom = user.custom_password_hash;
  if (user.password_hash === REDACTED || (isObject(custom) && isObject(custom.hash) && custom.hash.value === REDACTED)) {
    m.migrationPending(REDACTED_NOTE);
    return undefined;
  }
  if (typeof user.password_hash === 'string' && user.password_hash !== '') {
    return /^\$2[aby]\$/.test(user.password_hash) ? { hash: user.password_hash, type: 'bcrypt' } : { error: 'password_hash must be a bcrypt hash ($2a$ or $2b$); other algorithms go in custom_password_hash' };
  }
  return custom === undefined || custom === null ? undefined : auth0CustomHash(custom);
}

export function mapAuth0User(user: JsonObject, ordinal: number) {
  const m = new UserMapping();
  const sourceId = stringOrUndefined(user.user_id);
  mapAuth0Profile(m, user);
  m.password(passwordOf(user, m));
  m.externalId(sourceId, 'user_id');
  m.unmapRest(user, AUTH0_KNOWN);
  return m.toRecord(ordinal, sourceId ?? (typeof user.email === 'string' ? user.email : undefined), user);
}

export const auth0Format = jsonFormat({
  name: 'auth0',
  description: "Auth0's bulk-import JSON: an array of users with password_hash (bcrypt) or custom_password_hash",
  map: mapAuth0User,
  secretPaths: ['password_hash', 'custom_password_hash.hash.value', 'custom_password_hash.hash.key.value', 'custom_password_hash.hash.salt.value', 'custom_password_hash.salt.value'],
});
