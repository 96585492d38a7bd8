/**
 * StateSet's names for the canonical user (seed 004) and the mapping both ways. This is the only
 * place that knows `firstName` is `first_name`; routes and the error codec go through it.
 */
import { emptyFieldErrors, type FieldErrors } from '../../domain/errors.ts';
import type { User, WritableField } from '../../domain/user.ts';

/** Every field of the seed's body and response lists, with its canonical home. */
export const FIELD_MAP = {
  active: 'active',
  avatar: 'avatar_url',
  bio: 'bio',
  birthday: 'birthday',
  country: 'country',
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  last_seen: 'last_seen_at',
  last_typed: 'last_typed_at',
  location: 'location',
  organization: 'organization',
  phone: 'phone',
  regions: 'regions',
  title: 'title',
  twitter: 'twitter',
  username: 'username',
} as const satisfies Record<string, WritableField>;

export type StateSetField = keyof typeof FIELD_MAP;
export const STATESET_FIELDS = Object.keys(FIELD_MAP) as StateSetField[];

const TO_STATESET: ReadonlyMap<string, StateSetField> = new Map(STATESET_FIELDS.map((name) => [FIELD_MAP[name], name]));
const KNOWN: ReadonlySet<string> = new Set(STATESET_FIELDS);

export function isStateSetField(key: string): key is StateSetField {
  return KNOWN.has(key);
}

/** The StateSet name of a canonical field, when StateSet shows it. */
export function stateSetName(canonical: string): StateSetField | undefined {
  return TO_STATESET.get(canonical);
}

/**
 * The canonical patch of a StateSet body: its known fields renamed. `id` (checked against the
 * path by the route) and unknown keys (refused by the schema) are not part of it.
 */
export function toCanonicalPatch(body: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (isStateSetField(key)) patch[FIELD_MAP[key]] = value;
  }
  return patch;
}

/** The user in StateSet's names: its id and the seventeen listed fields, null when unset. */
export function statesetUser(user: User) {
  return {
    id: user.id,
    active: user.active,
    avatar: user.avatar_url,
    bio: user.bio,
    birthday: user.birthday,
    country: user.country,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    last_seen: user.last_seen_at,
    last_typed: user.last_typed_at,
    location: user.location,
    organization: user.organization,
    phone: user.phone,
    regions: user.regions,
    title: user.title,
    twitter: user.twitter,
    username: user.username,
  };
}

/**
 * Field errors of the domain (canonical names) in StateSet's names. A canonical field StateSet
 * does not show (external_id, in "a user needs one identifier") is left out when another field
 * carries the message, and kept under its own name otherwise, so no error ever loses its reason.
 */
export function toStateSetDetails(details: FieldErrors): FieldErrors {
  const renamed = emptyFieldErrors();
  const unshown = emptyFieldErrors();
  for (const [field, messages] of Object.entries(details)) {
    const name = stateSetName(field);
    if (name) renamed[name] = [...(renamed[name] ?? []), ...messages];
    else unshown[field] = messages;
  }
  return Object.keys(renamed).length > 0 ? renamed : unshown;
}

/** The message for a body key StateSet does not define; canonical spellings get a hint. */
export function unknownFieldMessage(key: string): string {
  const name = stateSetName(key);
  return name && name !== key ? `Unknown field; StateSet calls it "${name}"` : 'Unknown field';
}
