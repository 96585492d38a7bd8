/**
 * Identities linked as part of a user write (a batch's data.identities, e.g. an import carrying a
 * user's OAuth accounts), inside that write's transaction: the user and its identities land
 * together or not at all.
 */
import type { JsonValue } from '../domain/user.ts';
import { newId } from '../domain/ids.ts';
import type { Identity, StoreQueries, StoredUser } from '../store/contract.ts';
import type { RequestContext } from './context.ts';
import { identitySummary } from './email-change.ts';
import { validateIdentity, type IdentityInput } from './identity-service.ts';

export type { IdentityInput };

/** Those of `wanted` the user does not have yet (same provider and provider_user_id), validated. */
export async function unlinkedIdentities(tx: StoreQueries, user: StoredUser, wanted: readonly IdentityInput[] | undefined): Promise<IdentityInput[]> {
  if (!wanted || wanted.length === 0) return [];
  const clean = wanted.map(validateIdentity);
  const have = new Set((await tx.identities.listForUser(user.environment, user.id)).map((i) => `${i.provider}\u0000${i.provider_user_id}`));
  return clean.filter((i) => !have.has(`${i.provider}\u0000${i.provider_user_id}`));
}

/** Inserts the identities (ConflictError('identity') when one is linked to another user); returns their summaries for the event. */
export async function linkIdentities(
  tx: StoreQueries,
  ctx: RequestContext,
  userId: string,
  identities: readonly IdentityInput[] | undefined,
  at: string,
): Promise<JsonValue[]> {
  const summaries: JsonValue[] = [];
  for (const input of identities ?? []) {
    const identity: Identity = { id: newId('idn'), environment: ctx.environment, user_id: userId, ...validateIdentity(input), created_at: at };
    await tx.identities.insert(identity);
    summaries.push(identitySummary(identity));
  }
  return summaries;
}
