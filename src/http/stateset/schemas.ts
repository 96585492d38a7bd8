/**
 * Wire schemas of the StateSet door (seed 004). The body schema states shapes and types only, for
 * the OpenAPI document; every field's rule (E.164, ISO country, URL, dates) is the domain's.
 */
import { Type } from 'typebox';
import { Nullable, named } from '../schemas.ts';

const text = (description: string) => Type.Optional(Nullable(Type.String({ description })));

/** The seventeen writable fields, all optional, as StateSet's docs describe them, with Userplane's formats. */
const fields = {
  active: Type.Optional(Type.Boolean({ description: 'Indicates if the user is currently active' })),
  avatar: text("URL of the user's avatar image (http or https)"),
  bio: text('Biography or description of the user (at most 4000 characters)'),
  birthday: text('Date of birth, YYYY-MM-DD, not in the future'),
  country: text('Country of residence, ISO 3166-1 alpha-2 such as "DE"'),
  email: text('Email address; unique, compared case-insensitively'),
  firstName: text('First name of the user'),
  lastName: text('Last name of the user'),
  last_seen: text('When the user was last seen: ISO 8601 date-time with a time zone'),
  last_typed: text('When the user last typed a message: ISO 8601 date-time with a time zone'),
  location: text('Location or address of the user'),
  organization: text('Organization or company the user belongs to'),
  phone: text('Phone number in E.164 form such as "+14155550123"'),
  regions: text('Regions or areas associated with the user'),
  title: text('Title or job position of the user'),
  twitter: text('Twitter handle of the user'),
  username: text('Unique username: 3–64 letters, digits, ".", "_" or "-"'),
};

/** PUT body: every field optional (omitted: unchanged; null: cleared); unknown keys refused. */
// Optional per field rather than Type.Partial, which drops additionalProperties in typebox 1.x.
export const UpdateUserBody = named('Stateset_UserUpdate', Type.Object(
  {
    id: Type.Optional(Type.String({ description: 'The user id; when given it must equal the id in the path' })),
    ...fields,
  },
  { additionalProperties: false },
));

const date = (description: string, format: 'date' | 'date-time') => Nullable(Type.String({ format, description }));

/** The user as StateSet shows it: the id and the seventeen fields, null when unset. */
export const UserSchema = named('Stateset_User', Type.Object(
  {
    id: Type.String({ description: 'usr_ followed by a lower-case ULID' }),
    active: Type.Boolean(),
    avatar: Nullable(Type.String()),
    bio: Nullable(Type.String()),
    birthday: date('YYYY-MM-DD', 'date'),
    country: Nullable(Type.String()),
    email: Nullable(Type.String()),
    firstName: Nullable(Type.String()),
    lastName: Nullable(Type.String()),
    last_seen: date('ISO 8601 UTC with milliseconds', 'date-time'),
    last_typed: date('ISO 8601 UTC with milliseconds', 'date-time'),
    location: Nullable(Type.String()),
    organization: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    regions: Nullable(Type.String()),
    title: Nullable(Type.String()),
    twitter: Nullable(Type.String()),
    username: Nullable(Type.String()),
  },
  { additionalProperties: false },
));

export const UserIdParams = Type.Object({ id: Type.String({ description: 'The user id (usr_…)' }) });

export const ErrorSchema = named('Stateset_Error', Type.Object(
  {
    success: Type.Literal(0),
    error: Type.Object({
      code: Type.String({ description: 'Machine-readable code, e.g. validation_error, not_found, conflict' }),
      message: Type.String(),
      fields: Type.Optional(
        Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Problems per field, under StateSet field names' }),
      ),
    }),
    request_id: Type.String(),
  },
  { description: 'Every StateSet door error' },
));

/** The error responses every authenticated route can give, plus the given ones. */
export function statesetErrors(...statuses: number[]) {
  return Object.fromEntries([401, 403, 429, 500, 503, ...statuses].map((status) => [status, ErrorSchema]));
}
