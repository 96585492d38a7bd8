/** What every service that reads a stored user shares: how it is shown, found, and locked for a write. */
import { NotFoundError } from '../domain/errors.ts';
import type { User } from '../domain/user.ts';
import type { StoreQueries, StoredUser } from '../store/contract.ts';
import type { RequestContext } from './context.ts';

/**
 * The user as every door may show it: the password hash stays in the store. One literal of fixed
 * shape (a rest spread copies key by key on V8's slow path, a cost every read paid per user); a
 * field added to User and not here fails the type check.
 */
export function publicUser(stored: StoredUser): User {
  return {
    id: stored.id,
    environment: stored.environment,
    email: stored.email,
    email_verified: stored.email_verified,
    pending_email: stored.pending_email,
    username: stored.username,
    first_name: stored.first_name,
    last_name: stored.last_name,
    name: stored.name,
    role: stored.role,
    external_id: stored.external_id,
    locale: stored.locale,
    phone: stored.phone,
    avatar_url: stored.avatar_url,
    bio: stored.bio,
    birthday: stored.birthday,
    country: stored.country,
    location: stored.location,
    organization: stored.organization,
    title: stored.title,
    twitter: stored.twitter,
    regions: stored.regions,
    active: stored.active,
    last_seen_at: stored.last_seen_at,
    last_typed_at: stored.last_typed_at,
    metadata: stored.metadata,
    extensions: stored.extensions,
    password_set: stored.password_set,
    password_migration_pending: stored.password_migration_pending,
    source: stored.source,
    version: stored.version,
    created_at: stored.created_at,
    updated_at: stored.updated_at,
  };
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
