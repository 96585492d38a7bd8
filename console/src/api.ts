/**
 * A small client of the public /v1 API: the console has no private door. Every call carries the
 * key in the Authorization header only; responses' ETags travel with the data they belong to.
 */
import type { FieldErrors, Identity, Page, User, UserEvent, WhoAmI } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldErrors = {},
  ) {
    super(message);
  }
}

const BASE = '/v1';
export const PAGE_SIZE = 20;

export type Api = ReturnType<typeof createApi>;

/** `onUnauthorized` runs when the key stops working (revoked meanwhile): the console signs out. */
export function createApi(key: string, onUnauthorized: (message: string) => void = () => {}) {
  async function call<T>(method: string, path: string, options: { body?: unknown; ifMatch?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${key}`, Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.ifMatch) headers['If-Match'] = options.ifMatch;
    let response: Response;
    try {
      response = await fetch(`${BASE}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network_error', 'Userplane could not be reached. Check the connection and try again.');
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): reported below with the status alone.
    }
    if (!response.ok) {
      const err = (json ?? {}) as { error?: string; message?: string; details?: FieldErrors };
      if (response.status === 401) onUnauthorized(err.message ?? 'The key was not accepted');
      throw new ApiError(response.status, err.error ?? 'http_error', err.message ?? `Request failed (HTTP ${response.status})`, err.details ?? {});
    }
    return json as T;
  }

  const user = (id: string) => `/users/${encodeURIComponent(id)}`;
  const etag = (u: Pick<User, 'version'>) => `"${u.version}"`;

  return {
    whoami: () => call<WhoAmI>('GET', '/whoami'),
    searchUsers(q: string, after: string | null) {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (q.trim()) params.set('q', q.trim());
      if (after) params.set('after', after);
      return call<Page<User>>('GET', `/users?${params}`);
    },
    getUser: (id: string) => call<User>('GET', user(id)),
    /** PATCH guarded by the version the caller read: a 412 means someone else changed the user. */
    updateUser: (base: User, patch: Record<string, unknown>) => call<User>('PATCH', user(base.id), { body: patch, ifMatch: etag(base) }),
    setPassword: (id: string, password: string) => call<User>('POST', `${user(id)}/password`, { body: { password } }),
    // `{}`: the endpoint currently refuses a POST with no body at all ("body: Must not be null").
    sendVerification: (id: string) => call<{ email: string; expires_at: string }>('POST', `${user(id)}/email_verification/send`, { body: {} }),
    identities: (id: string) => call<{ data: Identity[] }>('GET', `${user(id)}/identities`),
    unlinkIdentity: (id: string, identityId: string) => call<void>('DELETE', `${user(id)}/identities/${encodeURIComponent(identityId)}`),
    deleteUser: (base: User) => call<unknown>('DELETE', user(base.id), { ifMatch: etag(base) }),
    events(id: string, after: string | null) {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (after) params.set('after', after);
      return call<Page<UserEvent>>('GET', `${user(id)}/events?${params}`);
    },
  };
}
