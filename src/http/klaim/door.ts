/**
 * The Klaim door's spec (seed 002): Klaim's `user_id` is the client's own id (canonical
 * `external_id`); the fields it only shows are read-only; errors in Klaim's shape.
 */
import { defineDoor } from '../door-spec.ts';
import { klaimCodec } from './error-codec.ts';

export const klaim = defineDoor({
  fields: { user_id: 'external_id', name: 'name', email: 'email', metadata: 'metadata' },
  readOnly: ['klaim_id', 'created_at', 'acquisition_source', 'credit_balance', 'message'],
  notAnObject: 'Must be a JSON object',
  codec: klaimCodec,
});
