/**
 * The WorkOS door's spec (contract `workos-users-api.md`): its writable fields keep their canonical
 * names; metadata (string values, WorkOS's own limits) is converted by wire.ts. Errors in WorkOS's shape.
 */
import { defineDoor } from '../door-spec.ts';
import { workosCodec } from './error-codec.ts';

const PLAIN_FIELDS = ['email', 'email_verified', 'name', 'first_name', 'last_name', 'external_id', 'locale'] as const;

export const workos = defineDoor({
  fields: Object.fromEntries(PLAIN_FIELDS.map((field) => [field, field])),
  codec: workosCodec,
});
