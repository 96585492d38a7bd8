/**
 * The canonical user as Userplane's own wire shows it: the /v1 door and the standard webhook
 * payload. Per-door extensions (e.g. Klaim's credit balance) stay private.
 */
import type { User } from '../domain/user.ts';

export function canonicalUser(user: User) {
  const { extensions: _private, ...rest } = user;
  return { ...rest, object: 'user' as const };
}
