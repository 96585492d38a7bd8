/** The Proficient door's spec (seed 000): canonical names for its two fields, and its codec. */
import { defineDoor } from '../door-spec.ts';
import { proficientCodec } from './error-codec.ts';

export const proficient = defineDoor({
  fields: { first_name: 'first_name', last_name: 'last_name' },
  codec: proficientCodec,
});
