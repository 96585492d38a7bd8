/**
 * Limits per client address (issue 12): requests that carry no credential (docs, 404s, a door
 * without a key) count against one budget, failed authentications (401 to a request that sent a
 * credential) against another. Past the first, credential-less requests are a 429; past the
 * second, every request from that address that carries a credential is a 429 before the
 * credential is even checked, so keys cannot be guessed. Authenticated traffic never counts, so a
 * flood of /openapi.json cannot starve a backend behind the same address. In Redis when REDIS_URL
 * is set (fail open, like the per-credential limits), in memory otherwise.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import ipaddr from 'ipaddr.js';
import { Redis } from 'ioredis';
import type { RateWindow } from '../config.ts';
import { RateLimitedError } from '../domain/errors.ts';

export interface ClientAddressLimitOptions {
  window: RateWindow;
  redisUrl: string | null;
}

/**
 * An over-budget request waits this long (at most until its window resets) before its 429. Answering
 * at once would let a flood cost as much as the API traffic it competes with; held back, each
 * connection of the flood gets about one answer a second, and costs one timer meanwhile.
 */
export const REFUSAL_DELAY_MS = 1_000;

/** Probes and scrapes: load balancers and Prometheus call them without a credential, all day long. */
const EXEMPT_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

interface Count {
  count: number;
  resetMs: number;
}

interface Counters {
  incr(key: string, windowMs: number): Promise<Count>;
  close(): void;
}

/** The budget's key for an address: IPv4 as it is, IPv6 by its /64 (one host can hold a whole /64). */
export function addressKey(ip: string): string {
  try {
    const address = ipaddr.process(ip);
    if (address.kind() === 'ipv4') return address.toString();
    return `${(address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
  } catch {
    return ip;
  }
}

/** Fixed windows in a Map; expired entries are swept, and the Map cannot grow past MAX_KEYS. */
function memoryCounters(): Counters {
  const MAX_KEYS = 100_000;
  const counts = new Map<string, Count>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of counts) if (entry.resetMs <= now) counts.delete(key);
  }, 10_000);
  sweep.unref();
  return {
    async incr(key, windowMs) {
      const now = Date.now();
      let entry = counts.get(key);
      if (!entry || entry.resetMs <= now) {
        // Oldest first: under an address-spraying flood, the longest-held entries give way.
        if (!entry && counts.size >= MAX_KEYS) counts.delete(counts.keys().next().value!);
        entry = { count: 0, resetMs: now + windowMs };
        counts.set(key, entry);
      }
      entry.count += 1;
      return { ...entry };
    },
    close: () => clearInterval(sweep),
  };
}

const INCR = `local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return {c, redis.call('PTTL', KEYS[1])}`;

async function redisCounters(url: string, app: FastifyInstance): Promise<Counters> {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, commandTimeout: 500, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
  let healthy = true;
  redis.on('error', (error) => {
    if (healthy) app.log.warn({ err: error }, 'Redis unavailable: serving without per-address limits until it returns');
    healthy = false;
  });
  redis.on('ready', () => {
    healthy = true;
  });
  // Start counting from the first request when Redis is there; if it is not, start anyway (fail open).
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const prefix = 'userplane-addr:';
  return {
    async incr(key, windowMs) {
      try {
        const [count, ttl] = (await redis.eval(INCR, 1, prefix + key, String(windowMs))) as [number, number];
        return { count, resetMs: Date.now() + Math.max(ttl, 0) };
      } catch {
        return { count: 0, resetMs: Date.now() }; // fail open
      }
    },
    close: () => redis.disconnect(),
  };
}

/** The 429, after REFUSAL_DELAY_MS; Retry-After is set here because public routes answer in Fastify's format, not a door's. */
async function refuse(reply: FastifyReply, resetMs: number, message: string): Promise<RateLimitedError> {
  await delay(Math.max(0, Math.min(REFUSAL_DELAY_MS, resetMs - Date.now())));
  const seconds = Math.max(1, Math.ceil((resetMs - Date.now()) / 1000));
  reply.header('Retry-After', String(seconds));
  return new RateLimitedError(seconds, message, 'client_address');
}

export const clientAddressLimit = fp(async (app: FastifyInstance, opts: ClientAddressLimitOptions) => {
  const counters = opts.redisUrl ? await redisCounters(opts.redisUrl, app) : memoryCounters();
  const { max, windowMs } = opts.window;
  app.addHook('onClose', async () => counters.close());
  // Addresses whose failed authentications reached the limit, until their window resets. Learnt
  // from the (shared) count each failure returns, so authenticated requests cost no Redis call;
  // another node learns it at the first failure it sees from that address.
  const blocked = new Map<string, number>();

  // Runs before authentication (registered ahead of it), so a blocked address costs no key lookup.
  app.addHook('onRequest', async (request, reply) => {
    const address = addressKey(request.ip);
    const route = request.routeOptions.url ?? '';
    // Only where a credential is checked does sending one lift a request out of the public budget;
    // elsewhere (docs, 404s) an Authorization header would otherwise be a free pass.
    const checksCredential = Boolean(request.routeOptions.config.scope) || route === '/metrics';
    if (checksCredential && request.headers.authorization !== undefined) {
      const until = blocked.get(address);
      if (until !== undefined && until <= Date.now()) blocked.delete(address);
      else if (until !== undefined) throw await refuse(reply, until, 'Too many failed authentications from this address; retry later');
      return;
    }
    if (EXEMPT_ROUTES.has(route)) return;
    const used = await counters.incr(`public:${address}`, windowMs);
    if (used.count > max) {
      throw await refuse(reply, used.resetMs, `Too many requests without a credential from this address: limit ${max} per ${windowMs / 1000} s`);
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode !== 401 || request.headers.authorization === undefined) return;
    const address = addressKey(request.ip);
    const failures = await counters.incr(`auth:${address}`, windowMs);
    if (failures.count < max) return;
    if (blocked.size >= 100_000) blocked.delete(blocked.keys().next().value!);
    blocked.set(address, failures.resetMs);
  });
});
