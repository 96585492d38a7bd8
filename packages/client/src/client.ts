/**
 * createUserplaneClient: the canonical /v1 API as resource methods, over openapi-fetch with the
 * types generated from docs/openapi.json. Every method returns the response body or throws a
 * typed error (errors.ts); `GET/POST/PUT/PATCH/DELETE` are openapi-fetch's own, typed for every
 * path of the document (the other doors included), for what the resource methods do not cover.
 */
import createClient, { type Client } from 'openapi-fetch';
import { errorFromResponse, NetworkError } from './errors.ts';
import type { components, operations, paths } from './schema.ts';
import { retryingFetch, type Fetch, type RetryOptions } from './transport.ts';

type Schemas = components['schemas'];
export type User = Schemas['User'];
export type UserCreate = Schemas['UserCreate'];
export type UserPatch = Schemas['UserPatch'];
export type UserEvent = Schemas['Event'];
export type DeletedUser = Schemas['DeletedUser'];
export type BatchRequest = Schemas['BatchRequest'];
export type BatchResponse = Schemas['BatchResponse'];
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyCreate = Schemas['ApiKeyCreate'];
export type ApiKeyWithSecret = Schemas['ApiKeyWithSecret'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookEndpointCreate = Schemas['WebhookEndpointCreate'];
export type WebhookEndpointPatch = Schemas['WebhookEndpointPatch'];
export type WebhookEndpointWithSecret = Schemas['WebhookEndpointWithSecret'];
export type WebhookDelivery = Schemas['WebhookDelivery'];

/** One page of a list, as every /v1 list returns it. */
export interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

type Query<Id extends keyof operations> = operations[Id] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
export type ListUsersQuery = Partial<Query<'users_list'>>;
export type UserEventsQuery = Partial<Query<'users_events'>>;
export type DeliveriesQuery = Partial<Query<'webhook_endpoints_deliveries_list'>>;
export type EventFeedQuery = Partial<Query<'events_list'>>;

/** All items of a list, page by page as they are needed; `pages()` gives the pages themselves. */
export interface Paginated<T> extends AsyncIterable<T> {
  pages(): AsyncIterable<Page<T>>;
}

/** The version a write must find: an ETag as read ("3" or W/"3"), a version number, or the user read. */
export type IfMatch = string | number | { version: number };

export interface WriteOptions {
  /** Refuse (412, PreconditionFailedError) if the user is no longer at this version. */
  ifMatch?: IfMatch;
}
export interface PostOptions {
  /** Replaces the Idempotency-Key the client makes for every POST (a retry with yours replays the first answer). */
  idempotencyKey?: string;
}

export interface UserplaneClientOptions extends RetryOptions {
  /** Where Userplane listens, without /v1: e.g. http://localhost:8080. */
  baseUrl: string;
  /** A secret key (sk_live_… / sk_test_…), or a publishable key where the route allows one. */
  apiKey: string;
  /** Another fetch (tests, proxies, instrumentation); globalThis.fetch otherwise. */
  fetch?: Fetch;
  /** Headers sent with every request (e.g. X-Request-Id of your own). */
  headers?: Record<string, string>;
}

function etag(ifMatch: IfMatch): string {
  if (typeof ifMatch === 'number') return `"${ifMatch}"`;
  if (typeof ifMatch === 'object') return `"${ifMatch.version}"`;
  return ifMatch.startsWith('"') || ifMatch.startsWith('W/') ? ifMatch : `"${ifMatch}"`;
}

function headersOf(options: WriteOptions & PostOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.ifMatch !== undefined) headers['If-Match'] = etag(options.ifMatch);
  if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
  return headers;
}

/** The body of a successful response, or the typed error of a failed one. */
async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new NetworkError(0, { error: 'network_error', message: `Userplane could not be reached: ${reason}` }, null, { cause: error });
  }
  if (!result.response.ok) throw errorFromResponse(result.response, result.error);
  return result.data as T;
}

function paginate<T>(fetchPage: (after: string | undefined) => Promise<Page<T>>): Paginated<T> {
  async function* pages() {
    let after: string | undefined;
    for (;;) {
      const page = await fetchPage(after);
      yield page;
      if (!page.has_more || !page.next_cursor) return;
      after = page.next_cursor;
    }
  }
  return {
    pages,
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) yield* page.data;
    },
  };
}

export type UserplaneClient = ReturnType<typeof createUserplaneClient>;

export function createUserplaneClient(options: UserplaneClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  // Declared as Client<paths> (and its members below as Client<paths>['GET'], …) so that the emitted
  // declarations name them that way: spelled out as ClientMethod<paths, …> they fail an app's type
  // check without skipLibCheck (test/client/package.test.ts).
  const raw: Client<paths> = createClient<paths>({
    baseUrl,
    headers: { ...options.headers, Authorization: `Bearer ${options.apiKey}` },
    fetch: retryingFetch(options.fetch ?? ((request: Request) => globalThis.fetch(request)), options),
  });
  const { GET, POST, PATCH, DELETE } = raw;
  const id = (value: string) => ({ path: { id: value } });

  const listUsersPage = (query: ListUsersQuery = {}) =>
    unwrap(GET('/v1/users', { params: { query: query as Query<'users_list'> } })) as Promise<Page<User>>;
  const userEventsPage = (userId: string, query: UserEventsQuery = {}) =>
    unwrap(GET('/v1/users/{id}/events', { params: { path: { id: userId }, query: query as Query<'users_events'> } })) as Promise<Page<UserEvent>>;

  return {
    /** openapi-fetch's client: typed calls of every path of the document, returning { data, error, response }. */
    raw,
    GET: raw.GET as Client<paths>['GET'],
    POST: raw.POST as Client<paths>['POST'],
    PUT: raw.PUT as Client<paths>['PUT'],
    PATCH: raw.PATCH as Client<paths>['PATCH'],
    DELETE: raw.DELETE as Client<paths>['DELETE'],

    users: {
      create: (user: UserCreate, opts: PostOptions = {}) => unwrap(POST('/v1/users', { body: user, headers: headersOf(opts) })),
      get: (userId: string) => unwrap(GET('/v1/users/{id}', { params: id(userId) })),
      /** Every user the query matches, fetched a page at a time: `for await (const user of client.users.list())`. */
      list: (query: Omit<ListUsersQuery, 'after' | 'before'> = {}) => paginate((after) => listUsersPage({ ...query, ...(after ? { after } : {}) })),
      /** One page: pass `next_cursor` back as `after` for the next. */
      listPage: listUsersPage,
      /** Omitted fields stay; null clears; metadata merges. With `ifMatch`, a 412 if the user changed meanwhile. */
      update: (userId: string, patch: UserPatch, opts: WriteOptions = {}) =>
        unwrap(PATCH('/v1/users/{id}', { params: id(userId), body: patch, headers: headersOf(opts) })),
      delete: (userId: string, opts: WriteOptions = {}) => unwrap(DELETE('/v1/users/{id}', { params: id(userId), headers: headersOf(opts) })),
      /** Up to 1,000 create/upsert/update/delete operations, each with its own result. */
      batch: (body: BatchRequest, opts: PostOptions = {}) => unwrap(POST('/v1/users/batch', { body, headers: headersOf(opts) })),
      /** A user's change history, newest first, every page. */
      events: (userId: string, query: Omit<UserEventsQuery, 'after' | 'before'> = {}) =>
        paginate((after) => userEventsPage(userId, { ...query, ...(after ? { after } : {}) })),
      eventsPage: userEventsPage,
      /** Set a password, or import an existing hash (`password_hash` with `password_hash_type`). */
      setPassword: (userId: string, body: Schemas['PasswordSet'], opts: WriteOptions = {}) =>
        unwrap(POST('/v1/users/{id}/password', { params: id(userId), body, headers: headersOf(opts) })),
      /** Whether a password is the user's (`{ valid }`); repeated failures are limited (429). */
      verifyPassword: (userId: string, password: string) => unwrap(POST('/v1/users/{id}/password/verify', { params: id(userId), body: { password } })),
      emailVerification: {
        /** Mails a 6-digit code to the user's address. */
        send: (userId: string) => unwrap(POST('/v1/users/{id}/email_verification/send', { params: id(userId) })),
        confirm: (userId: string, code: string) => unwrap(POST('/v1/users/{id}/email_verification/confirm', { params: id(userId), body: { code } })),
      },
      identities: {
        list: (userId: string) => unwrap(GET('/v1/users/{id}/identities', { params: id(userId) })),
        link: (userId: string, identity: Schemas['IdentityLink']) => unwrap(POST('/v1/users/{id}/identities', { params: id(userId), body: identity })),
        unlink: (userId: string, identityId: string) =>
          unwrap(DELETE('/v1/users/{id}/identities/{identity_id}', { params: { path: { id: userId, identity_id: identityId } } })),
      },
    },

    apiKeys: {
      create: (key: ApiKeyCreate, opts: PostOptions = {}) => unwrap(POST('/v1/api_keys', { body: key, headers: headersOf(opts) })),
      list: () => paginate((after) => unwrap(GET('/v1/api_keys', { params: { query: { ...(after ? { after } : {}) } as Query<'api_keys_list'> } })) as Promise<Page<ApiKey>>),
      revoke: (keyId: string) => unwrap(DELETE('/v1/api_keys/{id}', { params: id(keyId) })),
    },

    webhookEndpoints: {
      create: (endpoint: WebhookEndpointCreate, opts: PostOptions = {}) =>
        unwrap(POST('/v1/webhook_endpoints', { body: endpoint, headers: headersOf(opts) })),
      list: () =>
        paginate(
          (after) =>
            unwrap(GET('/v1/webhook_endpoints', { params: { query: { ...(after ? { after } : {}) } as Query<'webhook_endpoints_list'> } })) as Promise<Page<WebhookEndpoint>>,
        ),
      get: (endpointId: string) => unwrap(GET('/v1/webhook_endpoints/{id}', { params: id(endpointId) })),
      update: (endpointId: string, patch: WebhookEndpointPatch) => unwrap(PATCH('/v1/webhook_endpoints/{id}', { params: id(endpointId), body: patch })),
      delete: (endpointId: string) => unwrap(DELETE('/v1/webhook_endpoints/{id}', { params: id(endpointId) })),
      rotateSecret: (endpointId: string) => unwrap(POST('/v1/webhook_endpoints/{id}/rotate_secret', { params: id(endpointId) })),
      deliveries: (endpointId: string, query: Omit<DeliveriesQuery, 'after' | 'before'> = {}) =>
        paginate(
          (after) =>
            unwrap(
              GET('/v1/webhook_endpoints/{id}/deliveries', {
                params: { path: { id: endpointId }, query: { ...query, ...(after ? { after } : {}) } as Query<'webhook_endpoints_deliveries_list'> },
              }),
            ) as Promise<Page<WebhookDelivery>>,
        ),
      retryDelivery: (endpointId: string, deliveryId: string) =>
        unwrap(POST('/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry', { params: { path: { id: endpointId, delivery_id: deliveryId } } })),
    },

    events: {
      /**
       * The environment's event feed, oldest first, every page up to now. To follow it, keep the last
       * page's `next_cursor` (given on the last page too) and call `listPage({ after })` again later.
       */
      list: (query: Omit<EventFeedQuery, 'after'> = {}) =>
        paginate((after) => unwrap(GET('/v1/events', { params: { query: { ...query, ...(after ? { after } : {}) } as Query<'events_list'> } })) as Promise<Page<UserEvent>>),
      /** One page of the feed after a cursor (or an event id): what polling uses. */
      listPage: (query: EventFeedQuery = {}) => unwrap(GET('/v1/events', { params: { query: query as Query<'events_list'> } })) as Promise<Page<UserEvent>>,
    },

    /** The key this client uses: its id, environment and scopes. */
    whoami: () => unwrap(GET('/v1/whoami')),
  };
}
