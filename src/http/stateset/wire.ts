/** The canonical user in StateSet's names (seed 004); the field map both ways is in door.ts. */
import type { User } from '../../domain/user.ts';

/** The user in StateSet's names: its id and the seventeen listed fields, null when unset. */
export function statesetUser(user: User) {
  return {
    id: user.id,
    active: user.active,
    avatar: user.avatar_url,
    bio: user.bio,
    birthday: user.birthday,
    country: user.country,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    last_seen: user.last_seen_at,
    last_typed: user.last_typed_at,
    location: user.location,
    organization: user.organization,
    phone: user.phone,
    regions: user.regions,
    title: user.title,
    twitter: user.twitter,
    username: user.username,
  };
}
