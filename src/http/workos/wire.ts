/**
 * WorkOS's wire format and the canonical user, both ways. WorkOS's writable user fields keep their
 * canonical names (door.ts); only ids, the picture URL and metadata's shape differ.
 */
import type { JsonObject } from '../../domain/user.ts';
import type { Identity } from '../../store/contract.ts';
import type { PasswordInput, PreparedPassword } from '../../services/password-service.ts';
import { initialMetadata, metadataPatch } from './metadata.ts';

/** WorkOS's Identity: the provider's own id for the account, and the provider as it was linked. */
export function workosIdentity(identity: Identity) {
  return { idp_id: identity.provider_user_id, type: 'OAuth' as const, provider: identity.provider };
}

export interface WorkosUserBody {
  metadata?: Record<string, unknown> | null;
  password?: string;
  password_hash?: string;
  password_hash_type?: string;
  [field: string]: unknown;
}

/** The canonical metadata of an update body, as a merge patch (the door's field map has the other fields). */
export function updateMetadata(body: WorkosUserBody): { metadata?: JsonObject | null } {
  return body.metadata === undefined ? {} : { metadata: metadataPatch(body.metadata) };
}

/** The canonical metadata of a create body: the patch without its deletions. */
export function createMetadata(body: WorkosUserBody): { metadata?: JsonObject } {
  return body.metadata === undefined ? {} : { metadata: initialMetadata(metadataPatch(body.metadata)) };
}

/**
 * The body's password, hashed and ready for the service, or undefined when it sends none.
 * `prepare` is the password service's (for an update, the one that looks the user up before hashing).
 */
export async function passwordOf(
  body: WorkosUserBody,
  prepare: (input: PasswordInput) => Promise<PreparedPassword>,
): Promise<PreparedPassword | undefined> {
  const { password, password_hash, password_hash_type } = body;
  if (password === undefined && password_hash === undefined && password_hash_type === undefined) return undefined;
  return prepare({ password, password_hash, password_hash_type });
}
