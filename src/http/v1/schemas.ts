/** Wire schemas of the canonical /v1 API. They validate input, serialise output and make the OpenAPI document. */
import { Type } from 'typebox';
import { JsonObjectSchema, Nullable, StringEnum, named } from '../schemas.ts';
import { cursorFields } from './cursors.ts';

const str = (description: string, max = 256) => Type.String({ maxLength: max, description });
const dateTime = (description: string) => Type.String({ format: 'date-time', description });

/** The canonical user as /v1 shows it. */
export const UserSchema = named('User', Type.Object(
  {
    id: Type.String({ description: 'usr_ followed by a lower-case ULID' }),
    object: Type.Literal('user'),
    environment: StringEnum(['live', 'test']),
    email: Nullable(Type.String()),
    email_verified: Type.Boolean(),
    pending_email: Nullable(Type.String({ description: 'A new address waiting for its code (USERPLANE_EMAIL_CHANGE=verify)' })),
    username: Nullable(Type.String()),
    first_name: Nullable(Type.String()),
    last_name: Nullable(Type.String()),
    name: Nullable(Type.String()),
    role: Nullable(Type.String()),
    external_id: Nullable(Type.String()),
    locale: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    avatar_url: Nullable(Type.String()),
    bio: Nullable(Type.String()),
    birthday: Nullable(Type.String({ format: 'date' })),
    country: Nullable(Type.String()),
    location: Nullable(Type.String()),
    organization: Nullable(Type.String()),
    title: Nullable(Type.String()),
    twitter: Nullable(Type.String()),
    regions: Nullable(Type.String()),
    active: Type.Boolean(),
    last_seen_at: Nullable(dateTime('ISO 8601 UTC')),
    last_typed_at: Nullable(dateTime('ISO 8601 UTC')),
    metadata: JsonObjectSchema,
    password_set: Type.Boolean(),
    password_migration_pending: Type.Boolean({ description: 'No password yet: the first verify asks USERPLANE_PASSWORD_MIGRATION_URL; cleared when a password is set' }),
    source: Type.String({ description: 'The API door the user was created through' }),
    version: Type.Integer({ minimum: 1, description: 'Increases by one with every change; the ETag is its quoted value' }),
    created_at: dateTime('ISO 8601 UTC, milliseconds'),
    updated_at: dateTime('ISO 8601 UTC, milliseconds'),
  },
  { additionalProperties: false },
));

/** Writable fields. Omitted: unchanged; null: cleared. Unknown and read-only fields are refused. */
const writable = {
  email: Nullable(str('Unique per environment, compared case-insensitively', 254)),
  email_verified: Type.Boolean({ description: 'Set true only for addresses verified elsewhere (migrations)' }),
  username: Nullable(str('3–64 letters, digits, "._-"; unique per environment, case-insensitive', 64)),
  first_name: Nullable(str('At most 256 characters')),
  last_name: Nullable(str('At most 256 characters')),
  name: Nullable(str('Display name')),
  role: Nullable(str('One of USERPLANE_ROLES when that is set', 64)),
  external_id: Nullable(str('Your own id for the user; unique per environment', 128)),
  locale: Nullable(str('BCP 47 tag, e.g. en-US', 35)),
  phone: Nullable(str('E.164, e.g. +14155550123', 16)),
  avatar_url: Nullable(str('http or https URL', 2048)),
  bio: Nullable(str('At most 4000 characters', 4000)),
  birthday: Nullable(str('YYYY-MM-DD, not in the future', 10)),
  country: Nullable(str('ISO 3166-1 alpha-2, e.g. DE', 2)),
  location: Nullable(str('At most 256 characters')),
  organization: Nullable(str('At most 256 characters')),
  title: Nullable(str('At most 256 characters')),
  twitter: Nullable(str('Twitter handle', 16)),
  regions: Nullable(str('At most 256 characters')),
  active: Type.Boolean(),
  last_seen_at: Nullable(str('ISO 8601 date-time with time zone', 64)),
  last_typed_at: Nullable(str('ISO 8601 date-time with time zone', 64)),
  password_migration_pending: Type.Boolean({ description: 'Mark a user whose password the migration hook supplies (USERPLANE_PASSWORD_MIGRATION_URL)' }),
  metadata: Nullable(
    Type.Record(Type.String(), Type.Unknown(), {
      description: 'JSON merge patch (RFC 7396): keys merge, null deletes a key; null clears all. ≤50 keys, keys ≤40 characters, ≤16 KiB, depth ≤5',
    }),
  ),
};

export const UserPatchSchema = named('UserPatch', Type.Partial(Type.Object(writable), { additionalProperties: false }));
/** The same fields as a patch; its own name so that generated clients can tell creating from updating. */
export const UserCreateSchema = named('UserCreate', Type.Partial(Type.Object(writable), { additionalProperties: false }));

export const UserIdParams = Type.Object({ id: Type.String({ description: 'The user id (usr_…)' }) });

export const ListUsersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    ...cursorFields('users'),
    email: Type.Optional(Type.String({ description: 'Exact address, case-insensitive' })),
    username: Type.Optional(Type.String({ description: 'Exact username, case-insensitive' })),
    external_id: Type.Optional(Type.String()),
    q: Type.Optional(
      Type.String({
        maxLength: 256,
        description:
          'Search: users whose email, username, external_id, first_name, last_name, name or "first_name last_name" ' +
          'starts with this text, case-insensitively (% and _ are plain characters). Combines with the exact filters.',
      }),
    ),
    filter: Type.Optional(
      Type.String({
        maxLength: 4096,
        description:
          'A filter in the SCIM grammar (RFC 7644 §3.4.2.2: eq ne co sw ew pr gt ge lt le, and, or, not, parentheses) over canonical field names and ' +
          'metadata.<key>, e.g. `email ew "@acme.com" and metadata.plan eq "pro"`. email and username compare case-insensitively. Combines with the other filters.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EventPageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    ...cursorFields('events'),
  },
  { additionalProperties: false },
);

export const EndpointPageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    ...cursorFields('webhook endpoints'),
  },
  { additionalProperties: false },
);

export const KeyPageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 100 }),
    ...cursorFields('keys'),
  },
  { additionalProperties: false },
);

/** A page of `item`s, named List_<item's name> in the OpenAPI document. */
export function ListOf<T extends ReturnType<typeof Type.Object>>(item: T) {
  const itemName = (item as { title?: string }).title;
  return named(`List_${itemName ?? 'Item'}`, Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(item),
    has_more: Type.Boolean(),
    next_cursor: Nullable(Type.String()),
  }));
}

export const ChangeSchema = Type.Object({ previous: Type.Unknown(), current: Type.Unknown() });

export const EventSchema = named('Event', Type.Object({
  id: Type.String(),
  object: Type.Literal('event'),
  type: StringEnum(['user.created', 'user.updated', 'user.deleted', 'group.created', 'group.updated', 'group.deleted', 'user.exported', 'users.exported'], {
    description: 'user.exported (a subject export) and users.exported (an export of every user, subject environment) are audit entries, never sent to webhooks',
  }),
  user_id: Type.String({ description: 'The subject: the user id for user.* events, the group id (grp_…) for group.* events, `environment` for users.exported' }),
  actor: Type.String({ description: 'Id of the API key that made the change' }),
  request_id: Nullable(Type.String()),
  door: Type.String({ description: 'The API the change came through: v1, workos, proficient, klaim, stateset, cli' }),
  changes: Type.Record(Type.String(), ChangeSchema, { description: 'Changed fields with previous and new values; secrets redacted' }),
  created_at: dateTime('ISO 8601 UTC'),
}));

export const DeletedSchema = named('DeletedUser', Type.Object({ id: Type.String(), object: Type.Literal('user'), deleted: Type.Literal(true) }));

export const ErrorSchema = named('Error', Type.Object(
  {
    error: Type.String({ description: 'Machine-readable code, e.g. validation_error' }),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
    request_id: Type.String(),
  },
  { description: 'Every /v1 error' },
));

/** A 400: what was wrong, field by field (`details` names every bad field at once). */
export const ValidationErrorSchema = named('ValidationError', Type.Object(
  {
    error: Type.String({ description: 'validation_error, or another code of a malformed request (e.g. invalid_cursor, body_too_deep)' }),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Field name → what is wrong with it' })),
    request_id: Type.String(),
  },
  { description: 'A /v1 request that was refused as malformed' },
));

const Scope = StringEnum(['read', 'write', 'admin']);

export const ApiKeySchema = named('ApiKey', Type.Object({
  id: Type.String(),
  object: Type.Literal('api_key'),
  name: Type.String(),
  type: StringEnum(['secret', 'publishable']),
  environment: StringEnum(['live', 'test']),
  scopes: Type.Array(Scope),
  preview: Type.String({ description: 'Prefix and last four characters of the secret' }),
  require_user_proof: Type.Boolean({ description: 'Publishable keys: end users must be proven with X-User-Hash or X-User-Token' }),
  created_at: dateTime('ISO 8601 UTC'),
  revoked_at: Nullable(dateTime('ISO 8601 UTC')),
}));

export const CreatedApiKeySchema = named('ApiKeyWithSecret', Type.Object({
  ...ApiKeySchema.properties,
  secret: Type.String({ description: 'The key itself. Shown only in this response; store it now.' }),
  user_proof_secret: Type.Optional(
    Type.String({ description: 'With require_user_proof: the secret your backend signs end users with (X-User-Hash). Shown only in this response; keep it on your server.' }),
  ),
}));

export const CreateApiKeyBody = named('ApiKeyCreate', Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Optional(Type.Array(Scope, { uniqueItems: true, maxItems: 3 })),
    type: Type.Optional(StringEnum(['secret', 'publishable'], { default: 'secret' })),
    require_user_proof: Type.Optional(
      Type.Boolean({ description: "Publishable keys: require proof of each end user from your backend (X-User-Hash, or X-User-Token from the OAuth issuer)" }),
    ),
  },
  { additionalProperties: false },
));

export const KeyIdParams = Type.Object({ id: Type.String() });

/** The error responses every authenticated route can give. */
export function v1Errors(...statuses: number[]) {
  return Object.fromEntries([401, 403, 429, 500, 503, ...statuses].map((status) => [status, status === 400 ? ValidationErrorSchema : ErrorSchema]));
}
