/**
 * The console's calls, made with @userplane/client (packages/client) like any other client of the
 * public /v1 API: the console has no private door. The key travels in the Authorization header
 * only; a user's version travels with it and guards every write (If-Match).
 */
import { createUserplaneClient, UnauthorizedError, UserplaneError } from '@userplane/client';
import type { User } from './types.ts';

/** Every failed call: the client's typed errors (status, code, message, details, request id). */
export { UserplaneError as ApiError };

export const PAGE_SIZE = 20;

export type Api = ReturnType<typeof createApi>;

/** `onUnauthorized` runs when the key stops working (revoked meanwhile): the console signs out. */
export function createApi(key: string, onUnauthorized: (message: string) => void = () => {}) {
  const client = createUserplaneClient({
    baseUrl: globalThis.location?.origin ?? '',
    apiKey: key,
    // Never the page's cookies, never a cached answer: every view shows the user as stored now.
    fetch: (request) => fetch(request, { credentials: 'omit', cache: 'no-store' }),
  });

  async function call<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (error instanceof UnauthorizedError) onUnauthorized(error.message);
      throw error;
    }
  }

  return {
    whoami: () => call(client.whoami()),
    searchUsers: (q: string, after: string | null) =>
      call(client.users.listPage({ limit: PAGE_SIZE, ...(q.trim() ? { q: q.trim() } : {}), ...(after ? { after } : {}) })),
    getUser: (id: string) => call(client.users.get(id)),
    /** PATCH guarded by the version the caller read: a 412 means someone else changed the user. */
    updateUser: (base: User, patch: Record<string, unknown>) => call(client.users.update(base.id, patch, { ifMatch: base })),
    setPassword: (id: string, password: string) => call(client.users.setPassword(id, { password })),
    sendVerification: (id: string) => call(client.users.emailVerification.send(id)),
    identities: (id: string) => call(client.users.identities.list(id)),
    unlinkIdentity: (id: string, identityId: string) => call(client.users.identities.unlink(id, identityId)),
    deleteUser: (base: User) => call(client.users.delete(base.id, { ifMatch: base })),
    events: (id: string, after: string | null) => call(client.users.eventsPage(id, { limit: PAGE_SIZE, ...(after ? { after } : {}) })),
  };
}
