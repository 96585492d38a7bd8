/** Linked identities (an OAuth provider's account for the user). */
import { NotFoundError, ValidationError, type FieldErrors } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { checkEmail } from '../domain/validation.ts';
import type { Identity, Store, StoreQueries, StoredUser } from '../store/contract.ts';
import type { Clock, RequestContext } from './context.ts';
import { identitySummary } from './email-change.ts';
import { appendUserEvent } from './user-events.ts';
import { findUser, lockUser, publicUser } from './stored-user.ts';

export interface IdentityInput {
  provider: string;
  provider_user_id: string;
  email: string;
}

export function validateIdentity(input: IdentityInput): IdentityInput {
  const details: FieldErrors = {};
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(input.provider)) details.provider = ['Must be 1 to 64 letters, digits or "_.:-"'];
  if (input.provider_user_id.length === 0 || input.provider_user_id.length > 256 || /\p{Cc}/u.test(input.provider_user_id)) {
    details.provider_user_id = ['Must be 1 to 256 characters without control characters'];
  }
  const email = checkEmail(input.email);
  if (!email.ok) details.email = email.messages;
  if (Object.keys(details).length > 0) throw new ValidationError(details);
  return { ...input, email: email.ok ? email.value : input.email };
}

export function createIdentityService(store: Store, clock: Clock) {
  /** Identity changes are user changes: a new version, and an event naming the identity. */
  async function recordChange(tx: StoreQueries, ctx: RequestContext, user: StoredUser, change: { previous: unknown; current: unknown }) {
    const { id: userId, version } = user;
    const at = clock().toISOString();
    await tx.users.update(ctx.environment, userId, version, { version: version + 1, updated_at: at });
    const snapshot = publicUser({ ...user, version: version + 1, updated_at: at });
    await appendUserEvent(tx, ctx, { type: 'user.updated', userId, changes: { identities: change as never }, at, snapshot });
  }

  return {
    async list(ctx: RequestContext, userId: string): Promise<Identity[]> {
      await findUser(store, ctx, userId);
      return store.identities.listForUser(ctx.environment, userId);
    },

    /** Links an identity. ConflictError('identity') when the provider account is linked anywhere. */
    async link(ctx: RequestContext, userId: string, input: IdentityInput): Promise<Identity> {
      const clean = validateIdentity(input);
      return store.transaction(async (tx) => {
        const user = await lockUser(tx, ctx, userId);
        const identity: Identity = { id: newId('idn'), environment: ctx.environment, user_id: userId, ...clean, created_at: clock().toISOString() };
        await tx.identities.insert(identity);
        await recordChange(tx, ctx, user, { previous: null, current: identitySummary(identity) });
        return identity;
      });
    },

    async unlink(ctx: RequestContext, userId: string, identityId: string): Promise<void> {
      await store.transaction(async (tx) => {
        const user = await lockUser(tx, ctx, userId);
        const identity = (await tx.identities.listForUser(ctx.environment, userId)).find((i) => i.id === identityId);
        if (!identity) throw new NotFoundError('identity', identityId);
        await tx.identities.delete(ctx.environment, userId, [identityId]);
        await recordChange(tx, ctx, user, { previous: identitySummary(identity), current: null });
      });
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
