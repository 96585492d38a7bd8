/**
 * Rate limits per credential (@fastify/rate-limit): in memory by default, in Redis when
 * REDIS_URL is set so every node shares one budget. If Redis is unreachable requests are served
 * without limits (fail open, logged) and limits resume when it is back. Runs after authentication,
 * so the budget is the credential's, sized by its highest scope.
 */
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { RateLimitConfig, RateWindow } from '../config.ts';
import { RateLimitedError } from '../domain/errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves when the rate limits' Redis answers a PING; set only when REDIS_URL is configured. */
    redisPing?: () => Promise<void>;
  }
}

export interface RateLimitOptions {
  limits: RateLimitConfig;
  redisUrl: string | null;
}

/**
 * Whose budget a request spends: the credential's; for a publishable key, that of the end user it
 * acts for (key + external id, hashed so a long id makes no long Redis key).
 */
function budgetKey(request: FastifyRequest): string {
  const principal = request.principal;
  const base = `${principal?.environment}:${principal?.budgetId ?? principal?.keyId}`;
  if (principal?.type !== 'publishable' || !request.endUser) return base;
  return `${base}:user:${createHash('sha256').update(request.endUser).digest('base64url')}`;
}

/** A publishable key's budget as a whole: configured, or ten end users' worth. */
function keyWindowFor(limits: RateLimitConfig): RateWindow {
  return limits.publishableKey ?? { max: limits.read.max * 10, windowMs: limits.read.windowMs };
}

function windowFor(limits: RateLimitConfig, request: FastifyRequest): RateWindow {
  const scopes = request.principal?.scopes;
  if (scopes?.has('admin')) return limits.admin;
  if (scopes?.has('write')) return limits.write;
  return limits.read;
}

export const rateLimitPlugin = fp(async (app: FastifyInstance, opts: RateLimitOptions) => {
  let redis: Redis | null = null;
  if (opts.redisUrl) {
    redis = new Redis(opts.redisUrl, {
      // Fail fast while Redis is down instead of queueing commands; reconnect in the background.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      commandTimeout: 500,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      lazyConnect: false,
    });
    let healthy = true;
    redis.on('error', (error) => {
      if (healthy) app.log.warn({ err: error }, 'Redis unavailable: serving without shared rate limits until it returns');
      healthy = false;
    });
    redis.on('ready', () => {
      if (!healthy) app.log.info('Redis is back: shared rate limits resume');
      healthy = true;
    });
    app.addHook('onClose', async () => {
      redis?.disconnect();
    });
    // /readyz asks through this, so the system routes need not know the client.
    const client = redis;
    app.decorate('redisPing', async () => {
      await client.ping();
    });
  }

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    ...(redis ? { redis, nameSpace: 'userplane-rl:' } : {}),
    skipOnError: true,
    enableDraftSpec: true,
    // Public routes (health, docs) have no credential to count against.
    allowList: (request) => !request.routeOptions.config.scope || !request.principal,
    keyGenerator: budgetKey,
    max: (request) => windowFor(opts.limits, request).max,
    timeWindow: (request) => windowFor(opts.limits, request).windowMs,
    errorResponseBuilder: (_request, context) => new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000)), `Too many requests: limit ${context.max} per window; retry after ${context.after}`),
  });

  // Publishable keys: after the end user's own budget (above), the key's as a whole. A request the
  // end user's budget refused never gets here, so one end user flooding spends at most their own
  // share of the key's budget and cannot lock the others out.
  const keyWindow = keyWindowFor(opts.limits);
  const keyBudget = app.createRateLimit({
    keyGenerator: (request: FastifyRequest) => `${request.principal?.environment}:${request.principal?.keyId}:key`,
    max: keyWindow.max,
    timeWindow: keyWindow.windowMs,
  });
  async function keyWide(request: FastifyRequest) {
    if (request.principal?.type !== 'publishable' || !request.routeOptions.config.scope) return;
    const result = await keyBudget(request);
    if (!result.isAllowed && result.isExceeded) {
      throw new RateLimitedError(Math.max(1, result.ttlInSeconds), `Too many requests for this publishable key: limit ${keyWindow.max} per window across its end users`);
    }
  }
  app.addHook('onRoute', (route) => {
    const existing = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : [];
    route.preHandler = [...existing, keyWide];
  });

  // The IETF draft also names the policy: "<limit>;w=<window seconds>".
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.principal && reply.hasHeader('ratelimit-limit')) {
      const window = windowFor(opts.limits, request);
      reply.header('RateLimit-Policy', `${window.max};w=${Math.ceil(window.windowMs / 1000)}`);
    }
    return payload;
  });
});
