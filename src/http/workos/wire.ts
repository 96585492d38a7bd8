/**
 * WorkOS's wire format and the canonical user, both ways. WorkOS's writable user fields keep their
 * canonical names (email, email_verified, name, first_name, last_name, external_id, locale,
 * metadata); only ids, the picture URL and metadata's shape differ.
 */
import type { Identity } from '../../store/contract.ts';
import type { PasswordInput, PreparedPassword } from '../../services/password-service.ts';
import { initialMetadata, metadataPatch } from './metadata.ts';

/** WorkOS's Identity: the provider's own id for the account, and the provider as it was linked. */
export function workosIdentity(identity: Identity) {
  return { idp_id: identity.provider_user_id, type: 'OAuth' as const, provider: identity.provider };
}

/** Body fields that go to the canonical patch unchanged. */
const PLAIN_FIELDS = ['email', 'email_verified', 'name', 'first_name', 'last_name', 'external_id', 'locale'] as const;

export interface WorkosUserBody {
  metadata?: Record<string, unknown> | null;
  password?: string;
  password_hash?: string;
  password_hash_type?: string;
  [field: string]: unknown;
}

/** The canonical patch of a body's plain fields (what the domain validates field by field). */
export function plainPatch(body: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const field of PLAIN_FIELDS) if (Object.hasOwn(body, field)) patch[field] = body[field];
  return patch;
}

/** The canonical update patch: plain fields plus metadata as a merge patch. */
export function updatePatch(body: WorkosUserBody): Record<string, unknown> {
  const patch = plainPatch(body);
  if (body.metadata !== undefined) patch.metadata = metadataPatch(body.metadata);
  return patch;
}

/** The canonical create input: plain fields plus metadata without its deletions. */
export function createInput(body: WorkosUserBody): Record<string, unknown> {
  const input = plainPatch(body);
  if (body.metadata !== undefined) input.metadata = initialMetadata(metadataPatch(body.metadata));
  return input;
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
