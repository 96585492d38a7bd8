/**
 * The canonical user as Klaim shows it (its field map is in door.ts). Klaim's `user_id` is the
 * client's own id (canonical `external_id`); its `klaim_id` is the canonical `usr_…` id.
 */
import { ulid } from 'ulidx';
import type { Door, User } from '../../domain/user.ts';

/**
 * A system-generated user_id for a create that sends none: a ULID (26 characters, Crockford
 * base32, upper case), so generated ids sort by creation time and never clash in practice.
 */
export function generateUserId(): string {
  return ulid();
}

/**
 * Klaim's `acquisition_source`: how the user came to be. Every API door is "api" (as in the seed);
 * users imported with the CLI are "import"; users made on the admin page are "dashboard".
 */
export function acquisitionSource(source: Door): string {
  switch (source) {
    case 'v1':
    case 'workos':
    case 'proficient':
    case 'klaim':
    case 'stateset':
    case 'scim':
      return 'api';
    case 'cli':
      return 'import';
    case 'console':
      return 'dashboard';
  }
}

/** Klaim's credit balance lives in the user's `klaim` extension; a user without one has 0. */
export function creditBalance(user: User): number {
  const balance = user.extensions.klaim?.credit_balance;
  return typeof balance === 'number' && Number.isFinite(balance) ? balance : 0;
}

export const MESSAGES = {
  fetched: 'fetch resource successfully',
  created: 'create resource successfully',
  deleted: 'delete resource successfully',
} as const;

/** The user in the seed's response shape, with the seed's `message` first. */
export function klaimUser(user: User, message: string) {
  return {
    message,
    metadata: user.metadata,
    user_id: user.external_id,
    klaim_id: user.id,
    created_at: Date.parse(user.created_at),
    acquisition_source: acquisitionSource(user.source),
    credit_balance: creditBalance(user),
    email: user.email,
    name: user.name,
  };
}
