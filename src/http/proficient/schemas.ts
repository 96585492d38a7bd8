/**
 * Wire schemas of the Proficient door, transcribed from the OpenAPI 3.0 document in seed
 * 000_c20caf62a385603e.txt. They validate input, serialise output and feed /openapi.json.
 */
import { Type } from 'typebox';
import { Nullable, StringEnum, named } from '../schemas.ts';

/** The seed's seven error codes, and nothing else. */
export const PROFICIENT_ERROR_CODES = ['invalid_request', 'invalid_credentials', 'forbidden', 'resource_not_found', 'conflict', 'unavailable', 'unknown'] as const;
export type ProficientErrorCode = (typeof PROFICIENT_ERROR_CODES)[number];

/** The seed's `User`. Every property is required there, so absent values are sent as "" (see wire.ts). */
export const ProficientUserSchema = named('Proficient_User', Type.Object(
  {
    id: Type.String({ description: 'The unique identifier of the user (usr_…)' }),
    object: Type.Literal('user'),
    created_at: Type.Integer({ description: 'Milliseconds since the Unix epoch' }),
    external_id: Type.String({ description: "The user's id in your system; \"\" when it has none" }),
    first_name: Type.String({ description: '"" when the user has none' }),
    last_name: Type.String({ description: '"" when the user has none' }),
    live_mode: Type.Boolean({ description: 'false for users of the test environment' }),
    updated_at: Type.Integer({ description: 'Milliseconds since the Unix epoch' }),
  },
  { additionalProperties: false, description: 'Represents a user of your project.' },
));

/** The seed's `UserUpdateParams`: omitted is unchanged, null clears; anything else is refused. */
export const ProficientUserUpdateSchema = named('Proficient_UserUpdate', Type.Object(
  {
    first_name: Type.Optional(Nullable(Type.String({ maxLength: 256, description: 'The first name of the user; null clears it' }))),
    last_name: Type.Optional(Nullable(Type.String({ maxLength: 256, description: 'The last name of the user; null clears it' }))),
  },
  { additionalProperties: false, description: 'The data with which a user is updated.' },
));

export const ProficientUserParams = Type.Object({
  user_id: Type.String({ description: 'The unique identifier of the user (usr_…)' }),
});

export const ProficientHeaders = Type.Object({
  'x-user-external-id': Type.Optional(
    Type.String({ description: "With a publishable key: the signed-in user's external id. Required for publishable keys, ignored for secret keys." }),
  ),
});

/** The seed's `ApiError`: `{error: {code, message}}`. */
export const ProficientErrorSchema = named('Proficient_Error', Type.Object(
  {
    error: Type.Object({
      code: StringEnum(PROFICIENT_ERROR_CODES),
      message: Type.String({ description: 'What went wrong, for a human; validation errors name each field' }),
    }),
  },
  { description: 'Every Proficient door error' },
));

/** The error responses every authenticated Proficient route can give, plus the given ones. */
export function proficientErrors(...statuses: number[]) {
  return Object.fromEntries([400, 401, 403, 404, 429, 500, 503, ...statuses].map((status) => [status, ProficientErrorSchema]));
}
