/**
 * The enabled webhook endpoints of each environment, cached per store (issue 19): every write
 * needs them (which deliveries to queue, whether the event keeps its snapshot) and they seldom
 * change. An entry is valid for one value of webhook_endpoint_version (migration 015), which
 * triggers bump on every change of a subscription and which each write reads inside its own
 * transaction (./event-queries.ts): a change committed by any process is seen by the next write
 * everywhere, whether or not a notification arrived. On PostgreSQL a listening connection also
 * hears each change (the triggers NOTIFY) and reloads at once, so writes seldom find the cache old.
 */
import { ENVIRONMENTS } from '../domain/user.ts';
import type { EndpointSubscription } from './webhook-queries.ts';

export interface CachedEndpoints {
  /** The webhook_endpoint_version these endpoints were read at. */
  version: number;
  endpoints: EndpointSubscription[];
}

export interface EndpointCache {
  /** The environment's endpoints at the newest version this cache knows, or null. */
  latest(environment: string): CachedEndpoints | null;
  /** Keeps endpoints read at `version` (an older read than what is kept already is ignored). */
  store(environment: string, version: number, endpoints: EndpointSubscription[]): void;
  /** Every environment's endpoints, read at one version (a reload). */
  storeAll(version: number, rows: (EndpointSubscription & { environment: string })[]): void;
  /** Forgets everything: the next write reads the endpoints again. */
  clear(): void;
}

export function createEndpointCache(): EndpointCache {
  let version: number | null = null;
  const byEnvironment = new Map<string, EndpointSubscription[]>();
  // Reads finish out of order: one made before a change must not replace one made after it.
  const newer = (read: number) => {
    if (version !== null && read < version) return false;
    if (read !== version) byEnvironment.clear();
    version = read;
    return true;
  };
  return {
    latest(environment) {
      const endpoints = version === null ? undefined : byEnvironment.get(environment);
      return endpoints === undefined ? null : { version: version!, endpoints };
    },
    store(environment, read, endpoints) {
      if (newer(read)) byEnvironment.set(environment, endpoints);
    },
    storeAll(read, rows) {
      if (!newer(read)) return;
      for (const environment of ENVIRONMENTS) byEnvironment.set(environment, []);
      for (const { environment, ...endpoint } of rows) byEnvironment.set(environment, [...(byEnvironment.get(environment) ?? []), endpoint]);
    },
    clear() {
      version = null;
      byEnvironment.clear();
    },
  };
}
