/** The canonical user as the Proficient seed's `User` shows it. */
import type { Static } from 'typebox';
import type { User } from '../../domain/user.ts';
import type { ProficientUserSchema } from './schemas.ts';

export type ProficientUser = Static<typeof ProficientUserSchema>;

/**
 * The seed marks every property required and none nullable, so a value the user lacks is sent as
 * "". That is unambiguous: the domain never stores an empty name or external id.
 */
export function proficientUser(user: User): ProficientUser {
  return {
    id: user.id,
    object: 'user',
    created_at: Date.parse(user.created_at),
    external_id: user.external_id ?? '',
    first_name: user.first_name ?? '',
    last_name: user.last_name ?? '',
    live_mode: user.environment === 'live',
    updated_at: Date.parse(user.updated_at),
  };
}
