/** The /v1 door's spec: the canonical names on the wire, and seed 001's error codec. */
import { WRITABLE_FIELDS } from '../../domain/user.ts';
import { defineDoor } from '../door-spec.ts';
import { v1Codec } from './error-codec.ts';

export const v1 = defineDoor({
  fields: Object.fromEntries(WRITABLE_FIELDS.map((field) => [field, field])),
  codec: v1Codec,
});
