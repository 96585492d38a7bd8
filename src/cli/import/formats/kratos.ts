/**
 * --from kratos: Ory Kratos identities as its admin API lists them and its import takes them (a JSON
 * array): traits, verifiable_addresses, state, metadata_public/metadata_admin, external_id and
 * credentials.password.config.hashed_password. Traits follow each project's own identity schema; the
 * common names (email, name.first/last or name, username, phone) are read and any other trait is reported.
 */
import { jsonFormat } from './json-format.ts';
import { isObject, normalizeLocale, normalizePhone, present, REDACTED, stringOrUndefined, UserMapping, type JsonObject } from './mapping.ts';
import type { HashResult } from './mapping.ts';

const KNOWN = new Set(['id', 'traits', 'verifiable_addresses', 'recovery_addresses', 'state', 'metadata_public', 'metadata_admin', 'external_id', 'credentials', 'schema_id', 'schema_url']);
const TRAITS = new Set(['email', 'name', 'first_name', 'last_name', 'given_name', 'family_name', 'username', 'phone', 'phone_number', 'picture', 'avatar_url', 'locale']);

/** bcrypt and argon2 PHC are Userplane's own types too; every other Kratos hash string is the ory type. */
export function kratosHash(hash: string): HashResult {
  if (/^\$2[aby]\$/.test(hash)) return { hash, type: 'bcrypt' };
  if (/^\$argon2(id|i|d)\$/.test(hash)) return { hash, type: 'argon2' };
  return { hash, type: 'ory' };
}

function mapTraits(m: UserMapping, traits: JsonObject): void {
  m.text('email', traits.email);
  if (isObject(traits.name)) {
    m.text('first_name', traits.name.first ?? traits.name.given);
    m.text('last_name', traits.name.last ?? traits.name.family);
    for (const key of Object.keys(traits.name)) if (!['first', 'last', 'given', 'family'].includes(key) && present(traits.name[key])) m.unmap(`traits.name.${key}`);
  } else {
    m.text('name', traits.name);
  }
  m.text('first_name', traits.first_name ?? traits.given_name);
  m.text('last_name', traits.last_name ?? traits.family_name);
  m.text('username', traits.username);
  m.text('phone', traits.phone ?? traits.phone_number, normalizePhone);
  m.text('avatar_url', traits.picture ?? traits.avatar_url);
  m.text('locale', traits.locale, normalizeLocale);
  for (const key of Object.keys(traits)) if (!TRAITS.has(key) && present(traits[key])) m.unmap(`traits.${key}`);
}

export function mapKratosIdentity(identity: JsonObject, ordinal: number) {
  const m = new UserMapping();
  const kratosId = stringOrUndefined(identity.id);
  mapTraits(m, isObject(identity.traits) ? identity.traits : {});
  const addresses = Array.isArray(identity.verifiable_addresses) ? identity.verifiable_addresses.filter(isObject) : [];
  const email = typeof m.data.email === 'string' ? m.data.email.toLowerCase() : undefined;
  const own = addresses.find((a) => typeof a.value === 'string' && a.value.toLowerCase() === email);
  if (own) m.data.email_verified = own.verified === true;
  addresses.forEach((a, i) => {
    if (a !== own && typeof a.value === 'string' && a.value !== m.data.phone) m.unmap(`verifiable_addresses[${i}]`);
  });
  if (Array.isArray(identity.recovery_addresses)) {
    identity.recovery_addresses.filter(isObject).forEach((a, i) => {
      if (typeof a.value === 'string' && a.value.toLowerCase() !== email) m.unmap(`recovery_addresses[${i}]`);
    });
  }
  if (identity.state !== undefined) m.data.active = identity.state !== 'inactive';
  m.meta('metadata_public', identity.metadata_public);
  m.meta('metadata_admin', identity.metadata_admin);

  const credentials = isObject(identity.credentials) ? identity.credentials : {};
  for (const [type, credential] of Object.entries(credentials)) {
    if (type === 'password') continue;
    const config = isObject(credential) && isObject(credential.config) ? credential.config : {};
    const providers = Array.isArray(config.providers) ? config.providers.filter(isObject).map((p) => String(p.provider ?? '?')) : [];
    m.unmap(`credentials.${type}${providers.length > 0 ? ` (${providers.join(', ')})` : ''}`);
  }
  const config = isObject(credentials.password) && isObject(credentials.password.config) ? credentials.password.config : {};
  if (config.hashed_password === REDACTED || config.password === REDACTED) {
    m.migrationPending('password hash was redacted (a record from an errors file): imported without it and marked for the password migration hook');
  } else if (typeof config.hashed_password === 'string' && config.hashed_password !== '') {
    m.password(kratosHash(config.hashed_password));
  } else if (present(config.password)) {
    m.password({ error: 'credentials.password.config.password is a clear-text password: the batch import takes hashes only; hash it (e.g. bcrypt) into hashed_password first' });
  }

  m.text('external_id', identity.external_id);
  // Kratos's own external_id wins; the Kratos id is then reported rather than dropped.
  if (present(identity.external_id) && kratosId) m.unmap('id');
  m.externalId(kratosId, 'id');
  m.unmapRest(identity, KNOWN);
  return m.toRecord(ordinal, kratosId, identity);
}

export const kratosFormat = jsonFormat({
  name: 'kratos',
  description: 'Ory Kratos identities (JSON array) with credentials.password.config.hashed_password',
  keys: ['identities'],
  map: mapKratosIdentity,
  secretPaths: ['credentials.password.config.hashed_password', 'credentials.password.config.password'],
});
