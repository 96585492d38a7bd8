/**
 * The canonical user ⇄ a SCIM User (README, "SCIM"). What has a canonical home goes there; every
 * other attribute the IdP sends is kept, as sent, in the user's `scim` extension (the "residual"),
 * and comes back on reads: nothing is dropped. The canonical value always wins: the residual's
 * detail (an emails list, the exact case of an email-shaped userName) is shown only while it still
 * agrees with the canonical field, so a change made through another door is never hidden.
 *
 * userName: an email-shaped userName (Okta's default) is the user's email, with no username;
 * any other is the username. `$`-prefixed keys of the residual are its own bookkeeping.
 */
import type { JsonObject, User } from '../../domain/user.ts';
import { checkEmail, checkPhone } from '../../domain/validation.ts';
import { normalizeIdentifier } from '../../domain/user.ts';
import { ScimError } from './errors.ts';
import { coreAttributes, findAttribute, findExtension, SCHEMAS, USER_RESOURCE, USER_SCHEMA, type AttributeDef, type ResourceSchemas } from './schema.ts';
import { booleanOf, etagOf } from './wire.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const SCIM_EXTENSION = 'scim';
const ENT = SCHEMAS.enterprise;
/** The residual's limits: it is stored with the user, so it is bounded like metadata is. */
const RESIDUAL_MAX_BYTES = 16 * 1024;
const RESIDUAL_MAX_DEPTH = 6;

/** Attributes a client never writes: ignored in a body (RFC 7643 §2.2: readOnly values SHALL be ignored). */
const IGNORED_ON_INPUT = new Set(['id', 'meta', 'schemas', 'groups']);

function normalizeValue(value: unknown, def: AttributeDef | undefined): unknown {
  if (!def) return value;
  if (def.multiValued && Array.isArray(value)) return value.map((item) => normalizeValue(item, { ...def, multiValued: false }));
  if (def.type === 'boolean') return booleanOf(value) ?? value;
  if (def.type === 'complex' && isObject(value)) return normalizeObject(value, def.subAttributes ?? []);
  return value;
}

/** Own-property assignment: a key such as "__proto__" stays plain data, never a prototype. */
function put(target: Json, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function normalizeObject(object: Json, attributes: readonly AttributeDef[]): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const def = findAttribute(attributes, key);
    put(out, def?.name ?? key, normalizeValue(value, def));
  }
  return out;
}

/**
 * A resource body with attribute names in the schema's spelling (SCIM names are case-insensitive)
 * and booleans sent as "True"/"False" read as booleans; unknown keys are kept as they are.
 */
export function normalizeResource(body: Json, resource: ResourceSchemas): Json {
  const core = coreAttributes(resource);
  const out: Json = {};
  for (const [key, value] of Object.entries(body)) {
    const extension = findExtension(resource, key);
    if (extension) {
      put(out, extension.id, isObject(value) ? normalizeObject(value, extension.attributes) : value);
      continue;
    }
    const def = findAttribute(core, key);
    put(out, def?.name ?? key, normalizeValue(value, def));
  }
  return out;
}

/** The value of a multi-valued attribute that the canonical field takes: primary, else work, else the first. */
function primaryOf(list: unknown): Json | undefined {
  if (!Array.isArray(list)) return undefined;
  const entries = list.filter(isObject);
  return entries.find((e) => e.primary === true) ?? entries.find((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work') ?? entries[0];
}

/** True when a multi-valued attribute says nothing beyond its one canonical value. */
function isTrivial(list: unknown, value: string | null): boolean {
  if (!Array.isArray(list)) return list === undefined || list === null;
  if (list.length === 0) return value === null;
  if (list.length !== 1 || !isObject(list[0])) return false;
  const { value: v, type, primary, ...rest } = list[0];
  return v === value && (type === undefined || type === 'work') && (primary === undefined || primary === true) && Object.keys(rest).length === 0;
}

function requireString(name: string, value: unknown, { required = false } = {}): string | null {
  // Okta sends "" for an optional attribute it has no value for: that is no value.
  if (value === undefined || value === null || (value === '' && !required)) {
    if (required) throw new ScimError('invalidValue', `${name} is required`);
    return null;
  }
  if (typeof value !== 'string') throw new ScimError('invalidValue', `${name} must be a string`);
  return value;
}

function requireList(name: string, value: unknown): Json[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every(isObject)) throw new ScimError('invalidValue', `${name} must be a list of objects ({"value": …, "type": …, "primary": …})`);
  for (const entry of value) {
    if (entry.value !== undefined && typeof entry.value !== 'string') throw new ScimError('invalidValue', `${name}[].value must be a string`);
  }
  return value;
}

function isEmailShaped(value: string): boolean {
  return value.includes('@') && checkEmail(value).ok;
}

export interface ScimUserInput {
  /** Canonical fields to write. */
  patch: Record<string, unknown>;
  /** The user's `scim` extension: everything the IdP sent that has no canonical home. */
  residual: JsonObject;
  /** A password sent with the user (Okta's create), for the password service. */
  password?: string;
}

/**
 * A SCIM User body (POST, PUT, or a PATCH's result) in canonical terms. `current`: the user being
 * replaced; a full replace clears what the body leaves out, except `active` (Okta's PUT without
 * `active` must not deactivate) and the password.
 */
export function fromScimUser(input: unknown, current: User | null): ScimUserInput {
  if (!isObject(input)) throw new ScimError('invalidSyntax', 'The body must be a JSON object: a SCIM User');
  const body = normalizeResource(input, USER_RESOURCE);
  const residual: Json = {};
  const patch: Record<string, unknown> = {};
  const enterprise: Json = isObject(body[ENT]) ? { ...body[ENT] } : {};
  if (body[ENT] !== undefined && !isObject(body[ENT])) throw new ScimError('invalidValue', `${ENT} must be an object`);

  // A replace that leaves out userName keeps it (tolerated: it is required, and never meant to be cleared).
  const userName = body.userName === undefined && current ? userNameOf(current) : requireString('userName', body.userName, { required: true });
  if (userName === null) throw new ScimError('invalidValue', 'userName is required');
  if (userName.trim() === '') throw new ScimError('invalidValue', 'userName must not be empty');
  const emails = requireList('emails', body.emails);
  const primaryEmail = primaryOf(emails);
  const emailShaped = isEmailShaped(userName);
  if (emailShaped) {
    patch.username = null;
    patch.email = userName;
  } else {
    patch.username = userName;
    patch.email = typeof primaryEmail?.value === 'string' ? primaryEmail.value : null;
  }
  const checked = typeof patch.email === 'string' ? checkEmail(patch.email) : null;
  const canonicalEmail = checked?.ok ? checked.value : typeof patch.email === 'string' ? patch.email : null;
  // The userName as sent, where the stored email spells it otherwise (an internationalised domain).
  if (emailShaped && userName !== canonicalEmail) residual.userName = userName;
  if (!isTrivial(emails, typeof patch.email === 'string' ? patch.email : null)) {
    residual.emails = emails ?? [];
    residual.$email = canonicalEmail;
  }

  const name = body.name;
  if (name !== undefined && name !== null && !isObject(name)) throw new ScimError('invalidValue', 'name must be an object ({"givenName": …, "familyName": …})');
  const nameParts: Json = isObject(name) ? { ...name } : {};
  patch.first_name = requireString('name.givenName', nameParts.givenName);
  patch.last_name = requireString('name.familyName', nameParts.familyName);
  const formatted = requireString('name.formatted', nameParts.formatted);
  const displayName = requireString('displayName', body.displayName);
  patch.name = displayName ?? formatted;
  delete nameParts.givenName;
  delete nameParts.familyName;
  delete nameParts.formatted;
  if (formatted !== null && formatted !== patch.name) nameParts.formatted = formatted;
  if (Object.keys(nameParts).length > 0) residual.name = nameParts;

  const phones = requireList('phoneNumbers', body.phoneNumbers);
  const primaryPhone = primaryOf(phones);
  const phoneValue = typeof primaryPhone?.value === 'string' ? primaryPhone.value : null;
  // A number outside E.164 (IdPs send "555-555-5555") has no canonical home; the list keeps it.
  const phone = phoneValue !== null && checkPhone(phoneValue).ok ? phoneValue : null;
  patch.phone = phone;
  if (!isTrivial(phones, phone)) {
    residual.phoneNumbers = phones ?? [];
    residual.$phone = phone;
  }

  patch.external_id = requireString('externalId', body.externalId);
  patch.locale = requireString('locale', body.locale);
  patch.title = requireString('title', body.title);
  patch.organization = requireString(`${ENT}:organization`, enterprise.organization);
  delete enterprise.organization;
  if (Object.keys(enterprise).length > 0) residual[ENT] = enterprise;

  if (body.active !== undefined) {
    const active = booleanOf(body.active);
    if (active === undefined) throw new ScimError('invalidValue', 'active must be true or false');
    patch.active = active;
  } else if (!current) patch.active = true;

  const password = body.password === undefined ? undefined : requireString('password', body.password) ?? undefined;

  const handled = new Set(['userName', 'emails', 'name', 'displayName', 'phoneNumbers', 'externalId', 'locale', 'title', 'active', 'password', ENT]);
  const known = new Set(USER_SCHEMA.attributes.map((a) => a.name));
  for (const [key, value] of Object.entries(body)) {
    if (handled.has(key) || IGNORED_ON_INPUT.has(key) || value === null || value === undefined || value === '') continue;
    // Core attributes without a canonical field, and other schemas' extensions (by URN), are kept as sent.
    if (!known.has(key) && !/^urn:[A-Za-z0-9:._-]+$/i.test(key)) {
      throw new ScimError('invalidValue', `Unknown attribute "${key.slice(0, 80)}": not in the User schema (see /scim/v2/Schemas); an extension's attributes go under its schema URN`);
    }
    if (key.startsWith('urn:') && !isObject(value)) throw new ScimError('invalidValue', `${key.slice(0, 120)} is an extension: its value must be an object`);
    put(residual, key, value);
  }
  checkResidual(residual);
  return { patch, residual: residual as JsonObject, ...(password !== undefined ? { password } : {}) };
}

/** The residual is stored with the user: bounded in size and depth, and text must be real Unicode. */
function checkResidual(residual: Json): void {
  const text = JSON.stringify(residual);
  if (Buffer.byteLength(text) > RESIDUAL_MAX_BYTES) {
    throw new ScimError('invalidValue', `The attributes without a Userplane field take ${Buffer.byteLength(text)} bytes as JSON; at most ${RESIDUAL_MAX_BYTES} are kept per user`);
  }
  if (stringsOf(residual).some((s) => /[\p{Cs}\u0000]/u.test(s))) {
    throw new ScimError('invalidValue', 'Strings must be valid Unicode text without NUL characters');
  }
  const depth = (value: unknown, level: number): void => {
    if (level > RESIDUAL_MAX_DEPTH) throw new ScimError('invalidValue', `Attributes may nest at most ${RESIDUAL_MAX_DEPTH} levels deep`);
    if (Array.isArray(value)) value.forEach((v) => depth(v, level + 1));
    else if (isObject(value)) Object.values(value).forEach((v) => depth(v, level + 1));
  };
  depth(residual, 0);
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => [k, ...stringsOf(v)]);
  return [];
}

/** The user's SCIM userName: the username, else the email (as the IdP spelled it, while it still agrees). */
export function userNameOf(user: User): string | null {
  if (user.username !== null) return user.username;
  const sent = user.extensions[SCIM_EXTENSION]?.userName;
  if (typeof sent === 'string' && user.email !== null && normalizeIdentifier(sent) === normalizeIdentifier(user.email)) return sent;
  return user.email;
}

function agrees(a: unknown, b: string | null): boolean {
  if (a === null || a === undefined) return b === null;
  return typeof a === 'string' && b !== null && normalizeIdentifier(a) === normalizeIdentifier(b);
}

/** The user as a SCIM User resource (RFC 7643 §4.1), with meta; `location` is its URL. */
export function toScimUser(user: User, location: string): Json {
  const residual: Json = structuredClone(user.extensions[SCIM_EXTENSION] ?? {});
  const enterprise: Json = isObject(residual[ENT]) ? { ...residual[ENT] } : {};
  if (user.organization !== null) enterprise.organization = user.organization;
  // The enterprise schema is always named: Entra expects it in every User's schemas.
  const out: Json = { schemas: [SCHEMAS.user, ENT], id: user.id };
  if (user.external_id !== null) out.externalId = user.external_id;
  out.userName = userNameOf(user);

  const name: Json = isObject(residual.name) ? { ...residual.name } : {};
  if (name.formatted === undefined && user.name !== null) name.formatted = user.name;
  if (user.first_name !== null) name.givenName = user.first_name;
  if (user.last_name !== null) name.familyName = user.last_name;
  if (Object.keys(name).length > 0) out.name = name;
  if (user.name !== null) out.displayName = user.name;

  const emails = Array.isArray(residual.emails) && agrees(residual.$email, user.email) ? residual.emails : user.email !== null ? [{ value: user.email, type: 'work', primary: true }] : undefined;
  if (emails && emails.length > 0) out.emails = emails;
  const phones = Array.isArray(residual.phoneNumbers) && residual.$phone === user.phone ? residual.phoneNumbers : user.phone !== null ? [{ value: user.phone, type: 'work', primary: true }] : undefined;
  if (phones && phones.length > 0) out.phoneNumbers = phones;
  out.active = user.active;
  if (user.locale !== null) out.locale = user.locale;
  if (user.title !== null) out.title = user.title;

  for (const [key, value] of Object.entries(residual)) {
    if (key.startsWith('$') || ['userName', 'name', 'emails', 'phoneNumbers', ENT].includes(key)) continue;
    if (key.startsWith('urn:') && !(out.schemas as string[]).includes(key)) (out.schemas as string[]).push(key);
    out[key] = value;
  }
  if (Object.keys(enterprise).length > 0) out[ENT] = enterprise;
  out.meta = { resourceType: 'User', created: user.created_at, lastModified: user.updated_at, location, version: etagOf(user.version) };
  return out;
}
