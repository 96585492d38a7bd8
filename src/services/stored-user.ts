/** What every service that reads a stored user shares: how it is shown, found, and locked for a write. */
import { NotFoundError } from '../domain/errors.ts';
import type { User } from '../domain/user.ts';
import type { StoreQueries, StoredUser } from '../store/contract.ts';
import type { RequestContext } from './context.ts';

/** The user as every door may show it: the password hash stays in the store. */
export function publicUser(stored: StoredUser): User {
  const { password_hash: _hash, password_hash_type: _type, ...user } = stored;
  return user;
}

/** The user of the caller's environment, or NotFoundError. */
export async function findUser(queries: StoreQueries, ctx: RequestContext, id: string): Promise<StoredUser> {
  const user = await queries.users.findById(ctx.environment, id);
  if (!user) throw new NotFoundError('user', id);
  return user;
}

/** The user, locked for the rest of the transaction, or NotFoundError. */
export async function lockUser(tx: StoreQueries, ctx: RequestContext, id: string): Promise<StoredUser> {
  const user = await tx.users.findById(ctx.environment, id, { lock: true });
  if (!user) throw new NotFoundError('user', id);
  return user;
}
