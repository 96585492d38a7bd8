/** Wire schemas of the Klaim door (seed 002): they validate input, serialise output and make the OpenAPI document. */
import { Type } from 'typebox';
import { Nullable, named } from '../schemas.ts';

/** The seed's user response: exactly these keys, nothing else can leak. */
export const KlaimUserSchema = named('Klaim_User', Type.Object(
  {
    message: Type.String({ description: '"fetch resource successfully" for GET and PUT' }),
    metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'Custom key-value pairs' }),
    user_id: Nullable(Type.String({ description: 'Your own id for the user' })),
    klaim_id: Type.String({ description: 'The system id (usr_ followed by a lower-case ULID)' }),
    created_at: Type.Integer({ description: 'Milliseconds since the Unix epoch' }),
    acquisition_source: Type.String({ description: '"api" for users created through any API; "import" for CLI imports; "dashboard" for the admin page' }),
    credit_balance: Type.Number({ description: 'Read-only; 0 unless set elsewhere' }),
    email: Nullable(Type.String()),
    name: Nullable(Type.String()),
  },
  { additionalProperties: false },
));

const fields = {
  user_id: Type.String({
    maxLength: 128,
    description: 'Your own id for the user: 1–128 printable ASCII characters without spaces, unique. On PUT, renames the user.',
  }),
  name: Nullable(Type.String({ maxLength: 256, description: 'Display name; null clears it' })),
  email: Nullable(Type.String({ maxLength: 254, description: 'Unique, compared case-insensitively; null clears it' })),
  metadata: Nullable(
    Type.Record(Type.String(), Type.Unknown(), {
      description: 'Merged into the stored metadata: keys merge, a null value deletes its key; null clears all. ≤50 keys, keys ≤40 characters, ≤16 KiB',
    }),
  ),
};

/**
 * Create: every field optional; a user_id is generated when none is sent. Unknown fields are refused.
 * (typebox 1.x: Partial keeps only its own options, so additionalProperties goes on Partial.)
 */
export const KlaimCreateBody = named('Klaim_UserBody', Type.Partial(Type.Object(fields), { additionalProperties: false }));

/** Update: omitted fields stay as they are. Unknown and read-only fields are refused. */
export const KlaimUpdateBody = KlaimCreateBody;

export const KlaimUserIdParams = Type.Object({
  user_id: Type.String({ description: 'The current user_id of the user (your own id, not klaim_id)' }),
});

export const KlaimErrorSchema = named('Klaim_Error', Type.Object(
  {
    message: Type.String(),
    errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Per-field messages (400 only)' })),
  },
  { description: 'Every Klaim error' },
));

/** The error responses every authenticated Klaim route can give, plus these. */
export function klaimErrors(...statuses: number[]) {
  return Object.fromEntries([401, 403, 429, 500, 503, ...statuses].map((status) => [status, KlaimErrorSchema]));
}
