/**
 * Every field of the canonical user in one table: whether a patch may write it, whether it may be
 * null, the rule its values must pass, and its value on a new user. The writable and non-nullable
 * sets, the field rules and the blank profile are derived from it, so a new field is one row here.
 */
import { checkMetadataPatch } from './metadata.ts';
import type { User } from './user.ts';
import {
  checkBirthday,
  checkBoolean,
  checkCountry,
  checkEmail,
  checkExternalId,
  checkLocale,
  checkPhone,
  checkRole,
  checkTimestamp,
  checkTwitter,
  checkUrl,
  checkUsername,
  text,
  type Validator,
} from './validation.ts';

/** `nullable` must agree with the User type; a writable field has a rule and a default. */
type FieldSpec<K extends keyof User> = { nullable: null extends User[K] ? true : false } & (
  | { writable: true; rule: Validator; default: User[K] }
  | { writable: false; default?: User[K] }
);

export const USER_FIELDS = {
  id: { writable: false, nullable: false },
  environment: { writable: false, nullable: false },
  email: { writable: true, nullable: true, rule: checkEmail, default: null },
  email_verified: { writable: true, nullable: false, rule: checkBoolean, default: false },
  pending_email: { writable: false, nullable: true, default: null },
  username: { writable: true, nullable: true, rule: checkUsername, default: null },
  first_name: { writable: true, nullable: true, rule: text(256), default: null },
  last_name: { writable: true, nullable: true, rule: text(256), default: null },
  name: { writable: true, nullable: true, rule: text(256), default: null },
  role: { writable: true, nullable: true, rule: checkRole, default: null },
  external_id: { writable: true, nullable: true, rule: checkExternalId, default: null },
  locale: { writable: true, nullable: true, rule: checkLocale, default: null },
  phone: { writable: true, nullable: true, rule: checkPhone, default: null },
  avatar_url: { writable: true, nullable: true, rule: checkUrl, default: null },
  bio: { writable: true, nullable: true, rule: text(4000), default: null },
  birthday: { writable: true, nullable: true, rule: checkBirthday, default: null },
  country: { writable: true, nullable: true, rule: checkCountry, default: null },
  location: { writable: true, nullable: true, rule: text(256), default: null },
  organization: { writable: true, nullable: true, rule: text(256), default: null },
  title: { writable: true, nullable: true, rule: text(256), default: null },
  twitter: { writable: true, nullable: true, rule: checkTwitter, default: null },
  regions: { writable: true, nullable: true, rule: text(256), default: null },
  active: { writable: true, nullable: false, rule: checkBoolean, default: true },
  last_seen_at: { writable: true, nullable: true, rule: checkTimestamp, default: null },
  last_typed_at: { writable: true, nullable: true, rule: checkTimestamp, default: null },
  // null clears every key; an object is merged by the planner (RFC 7396). Not null once stored.
  metadata: { writable: true, nullable: false, rule: checkMetadataPatch, default: {} },
  extensions: { writable: false, nullable: false, default: {} },
  password_set: { writable: false, nullable: false },
  password_migration_pending: { writable: true, nullable: false, rule: checkBoolean, default: false },
  source: { writable: false, nullable: false },
  version: { writable: false, nullable: false },
  created_at: { writable: false, nullable: false },
  updated_at: { writable: false, nullable: false },
} as const satisfies { [K in keyof User]: FieldSpec<K> };

type Table = typeof USER_FIELDS;
type FieldName = keyof Table;
const NAMES = Object.keys(USER_FIELDS) as FieldName[];

/** Fields a caller may write through create or update, in the table's order. */
export type WritableField = { [K in FieldName]: Table[K] extends { writable: true } ? K : never }[FieldName];
export const WRITABLE_FIELDS: readonly WritableField[] = NAMES.filter((name): name is WritableField => USER_FIELDS[name].writable);

/** Writable fields that a patch may not set to null (metadata's null means "clear", see planUpdate). */
export const NON_NULLABLE_FIELDS: ReadonlySet<WritableField> = new Set(
  WRITABLE_FIELDS.filter((name) => !USER_FIELDS[name].nullable && name !== 'metadata'),
);

/** The rule of every writable field (metadata's merge and limits are the planner's). */
export const FIELD_RULES = Object.fromEntries(WRITABLE_FIELDS.map((name) => [name, USER_FIELDS[name].rule])) as Record<WritableField, Validator>;

/** The profile of a new user before its request's fields: what create() starts from. */
type DefaultedField = { [K in FieldName]: Table[K] extends { default: unknown } ? K : never }[FieldName];
export type BlankProfile = Pick<User, DefaultedField>;

const DEFAULTS = Object.fromEntries(
  NAMES.filter((name) => 'default' in USER_FIELDS[name]).map((name) => [name, (USER_FIELDS[name] as { default: unknown }).default]),
);

/** The defaults that are objects (metadata, extensions): each user gets its own copy. */
const OBJECT_DEFAULTS = Object.entries(DEFAULTS).filter(([, value]) => typeof value === 'object' && value !== null);

export function blankProfile(): BlankProfile {
  // Copied field by field, then the object defaults cloned: a create's hot path (a batch makes 1,000).
  const profile: Record<string, unknown> = { ...DEFAULTS };
  for (const [name, value] of OBJECT_DEFAULTS) profile[name] = Object.keys(value as object).length === 0 ? {} : structuredClone(value);
  return profile as BlankProfile;
}
