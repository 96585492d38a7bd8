/**
 * The StateSet door's spec (seed 004): StateSet's names for the canonical fields (the only place
 * that knows `firstName` is `first_name`), the body's `id` that must equal the path's, and its codec.
 */
import type { FastifyRequest } from 'fastify';
import type { FieldErrors } from '../../domain/errors.ts';
import type { WritableField } from '../../domain/user.ts';
import { defineDoor } from '../door-spec.ts';
import { statesetCodec } from './error-codec.ts';

/** Every field of the seed's body and response lists, with its canonical home. */
const FIELD_MAP = {
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

const ID_MISMATCH = 'Must equal the id in the path';

export const stateset = defineDoor({
  fields: FIELD_MAP,
  // An id equal to the path's is StateSet's way of naming the user and is ignored.
  ownKeys: {
    names: ['id'],
    check(body, request: FastifyRequest): FieldErrors {
      const pathId = (request.params as { id: string }).id;
      if (!('id' in body) || body.id === pathId) return {};
      return { id: [typeof body.id === 'string' ? ID_MISMATCH : 'Must be a string'] };
    },
  },
  // Canonical spellings get a hint.
  unknownField(key) {
    const name = stateset.wireName(key);
    return name && name !== key ? `Unknown field; StateSet calls it "${name}"` : 'Unknown field';
  },
  // external_id (in "a user needs one identifier") is not StateSet's; email and username say it too.
  hideUnshown: true,
  codec: statesetCodec,
});
