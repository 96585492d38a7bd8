/**
 * Wire schemas of the WorkOS door (contract `workos-users-api.md`). Bodies state shapes and types;
 * field rules are the domain's, metadata's limits the door's (./metadata.ts), so that each problem
 * gets WorkOS's own error code.
 */
import { Type } from 'typebox';
import { SUPPORTED_HASH_TYPES } from '../../services/password-hashing/index.ts';
import { Nullable, StringEnum, named } from '../schemas.ts';

const dateTime = (description: string) => Type.String({ format: 'date-time', description });

/** The User object (contract §3): exactly these keys, all always present. */
export const WorkosUserSchema = named('Workos_User', Type.Object(
  {
    object: Type.Literal('user'),
    id: Type.String({ description: 'user_ followed by an upper-case ULID (the same user as usr_ + the lower-case ULID on /v1)' }),
    email: Nullable(Type.String({ description: 'Null only for a user created through another door without one' })),
    email_verified: Type.Boolean(),
    first_name: Nullable(Type.String()),
    last_name: Nullable(Type.String()),
    name: Nullable(Type.String()),
    profile_picture_url: Nullable(Type.String({ description: 'The canonical avatar_url' })),
    last_sign_in_at: Nullable(dateTime('Always null: Userplane runs no sign-ins')),
    locale: Nullable(Type.String()),
    external_id: Nullable(Type.String()),
    metadata: Type.Record(Type.String(), Type.String(), { description: 'String values; a value set elsewhere that is not a string is shown as its JSON text' }),
    created_at: dateTime('ISO 8601 UTC, milliseconds'),
    updated_at: dateTime('ISO 8601 UTC, milliseconds'),
  },
  { additionalProperties: false },
));

const metadata = Nullable(
  Type.Record(Type.String(), Type.Unknown(), {
    description:
      'Merged into the stored metadata: a null value deletes its key; {} or null deletes every key. ' +
      'String values only, at most 10 keys of ≤40 ASCII characters, values ≤600 ASCII characters (400 invalid_metadata).',
  }),
);

const passwordFields = {
  password: Type.Optional(Type.String({ maxLength: 1024, description: '8–128 characters, not the email address; stored with argon2id' })),
  password_hash: Type.Optional(Type.String({ maxLength: 1024, description: 'An existing hash to import, with password_hash_type' })),
  password_hash_type: Type.Optional(StringEnum(SUPPORTED_HASH_TYPES, { description: 'Format of password_hash' })),
};

const profileFields = {
  name: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  first_name: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  last_name: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  email_verified: Type.Optional(Type.Boolean({ description: 'Set true only for addresses verified elsewhere (migrations)' })),
  external_id: Type.Optional(Nullable(Type.String({ maxLength: 128, description: 'Your own id for the user: 1–128 printable ASCII characters, unique' }))),
  metadata: Type.Optional(metadata),
};

// Optional per field rather than Type.Partial, which drops additionalProperties in typebox 1.x.
export const CreateUserBody = named('Workos_UserCreate', Type.Object(
  {
    email: Type.String({ maxLength: 254, description: 'Unique per environment, compared case-insensitively' }),
    ...passwordFields,
    ...profileFields,
    ip_address: Type.Optional(Type.String({ maxLength: 64, description: 'Radar signal: accepted and ignored' })),
    user_agent: Type.Optional(Type.String({ maxLength: 1024, description: 'Radar signal: accepted and ignored' })),
    signals_id: Type.Optional(Type.String({ maxLength: 256, description: 'Radar signal: accepted and ignored' })),
  },
  { additionalProperties: false },
));

export const UpdateUserBody = named('Workos_UserUpdate', Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 254, description: 'A new address resets email_verified (unless this request sets it true) and unlinks identities whose email differs' })),
    ...passwordFields,
    ...profileFields,
    locale: Type.Optional(Nullable(Type.String({ maxLength: 35, description: 'BCP 47 tag such as en-US (400 invalid_locale otherwise)' }))),
  },
  { additionalProperties: false },
));

export const ListUsersQuery = Type.Object(
  {
    email: Type.Optional(Type.String({ description: 'Exact address, compared case-insensitively' })),
    organization_id: Type.Optional(Type.String({ description: 'Userplane has no organizations: any value gives an empty list' })),
    organization: Type.Optional(Type.String({ description: 'Deprecated spelling of organization_id' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    before: Type.Optional(Type.String({ description: 'A user id: the page before it' })),
    after: Type.Optional(Type.String({ description: 'A user id: the page after it (list_metadata.after of the previous page)' })),
    order: StringEnum(['asc', 'desc', 'normal'], { default: 'desc', description: 'By creation time; normal is desc' }),
  },
  { additionalProperties: false },
);

export const UserListSchema = named('Workos_List_User', Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(WorkosUserSchema),
  list_metadata: Type.Object({ before: Nullable(Type.String()), after: Nullable(Type.String()) }),
}));

export const IdentitySchema = named('Workos_Identity', Type.Object({
  idp_id: Type.String({ description: "The provider's id for the account" }),
  type: Type.Literal('OAuth'),
  provider: Type.String({ description: 'As linked, e.g. GoogleOAuth' }),
}));

export const UserIdParams = Type.Object({ id: Type.String({ description: 'user_… (usr_… is accepted too)' }) });
export const ExternalIdParams = Type.Object({ external_id: Type.String() });

export const UserEnvelope = named('Workos_UserEnvelope', Type.Object({ user: WorkosUserSchema }));

export const WorkosErrorSchema = named('Workos_Error', Type.Object(
  {
    message: Type.String(),
    code: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.Optional(Type.String()), code: Type.String(), message: Type.String() }), {
        description: 'Per-field problems (422), or the reasons of a 400 user_creation_error / password_strength_error',
      }),
    ),
  },
  { description: 'Every WorkOS-door error' },
));

/** The error responses every authenticated route can give, plus these. */
export function workosErrors(...statuses: number[]) {
  return Object.fromEntries([401, 403, 422, 429, 500, 503, ...statuses].map((status) => [status, WorkosErrorSchema]));
}
