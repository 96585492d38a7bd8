/**
 * Idempotency-Key on every POST of every door. The first request with a key runs and its response
 * is kept in the database (so the guarantee holds across nodes and restarts) for 24 hours; a retry
 * with the same key, credential and body gets that response again with `Idempotent-Replayed: true`
 * and writes nothing. The same key with another body is a 422; a retry that arrives while the
 * first is still running waits for it, then replays it (409 if it takes too long).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BadRequestError } from '../domain/errors.ts';
import { erasedResponse } from '../domain/redaction.ts';
import { IdempotencyError } from './transport-errors.ts';
import type { Principal } from '../services/api-key-service.ts';
import type { Store, StoredResponse } from '../store/contract.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** A claim this old whose request never finished (its node died) may be taken over. */
const ABANDONED_AFTER_MS = 60_000;
const KEPT_HEADERS = ['content-type', 'etag', 'location'];

declare module 'fastify' {
  interface FastifyRequest {
    /** The claimed key, and whose records it is among (see credentialOf), for the reply to complete or release. */
    idempotencyClaim: { key: string; createdAt: string; credential: string } | null;
    /** Users this request erased (RequestContext.erased): its stored response keeps none of their data. */
    erasedUsers: string[];
  }
  interface FastifyContextConfig {
    /**
     * Whether this credential may act on what the request names, decided before a stored response
     * is looked up (throws the route's refusal): a replay never answers a request that was not allowed.
     */
    authorize?: (request: FastifyRequest) => Promise<void>;
  }
}

/**
 * Whose records these are: the credential, and for a publishable key also the end user it acts
 * for, so that one end user can never replay another's stored response.
 */
function credentialOf(principal: Principal, endUser: string | null): string {
  if (principal.type !== 'publishable' || endUser === null) return principal.keyId;
  return `${principal.keyId}:user:${createHash('sha256').update(endUser).digest('base64url')}`;
}

export interface IdempotencyOptions {
  store: Store;
  /** How long a retry waits for the first request to finish before answering 409. */
  waitMs?: number;
}

function requestHash(request: FastifyRequest): string {
  let body: string;
  try {
    body = JSON.stringify(request.body ?? null);
  } catch (error) {
    // A body nested thousands deep overflows the stack of JSON.stringify: the client's fault, not ours.
    if (error instanceof RangeError) throw new BadRequestError('The request body is nested too deeply', 'body_too_deep');
    throw error;
  }
  return createHash('sha256').update(`${request.method} ${request.url}\n${body}`).digest('hex');
}

function replay(reply: FastifyReply, response: StoredResponse) {
  return reply.code(response.status).headers(response.headers).header('Idempotent-Replayed', 'true').send(response.body);
}

export const idempotencyPlugin = fp(async (app: FastifyInstance, opts: IdempotencyOptions) => {
  const { store } = opts;
  const waitMs = opts.waitMs ?? 10_000;
  app.decorateRequest('idempotencyClaim', null);
  app.decorateRequest('erasedUsers', null as unknown as string[]);
  app.addHook('onRequest', async (request) => {
    request.erasedUsers = [];
  });

  async function preHandler(request: FastifyRequest, reply: FastifyReply) {
    const key = request.headers['idempotency-key'];
    const principal = request.principal;
    if (typeof key !== 'string' || !principal) return;
    if (!/^[\x21-\x7E]{1,255}$/.test(key)) throw new BadRequestError('Idempotency-Key must be 1 to 255 printable ASCII characters');
    const { environment } = principal;
    const credential = credentialOf(principal, request.endUser);
    const hash = requestHash(request);
    await request.routeOptions.config.authorize?.(request);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const createdAt = new Date().toISOString();
      if (await store.idempotency.claim({ environment, credential, key, request_hash: hash, created_at: createdAt })) {
        request.idempotencyClaim = { key, createdAt, credential };
        return;
      }
      const existing = await store.idempotency.find(environment, credential, key);
      if (!existing) continue; // released between our insert and read: claim again
      const age = Date.now() - Date.parse(existing.created_at);
      const expired = age > IDEMPOTENCY_TTL_MS;
      const abandoned = existing.state === 'in_progress' && age > ABANDONED_AFTER_MS;
      if (expired || abandoned) {
        await store.idempotency.release(environment, credential, key, existing.created_at);
        continue;
      }
      if (existing.request_hash !== hash) {
        throw new IdempotencyError('idempotency_key_reused', 422, 'This Idempotency-Key was already used with a different request');
      }
      if (existing.state === 'completed' && existing.response) return replay(reply, existing.response);
      if (Date.now() > deadline) {
        throw new IdempotencyError('idempotency_key_in_progress', 409, 'A request with this Idempotency-Key is still in progress; retry later');
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  // Added per route, after the rate limiter's own preHandler, so replays still count against it.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    const existing = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : [];
    route.preHandler = [...existing, preHandler];
  });

  // Records past their 24 hours are only ever ignored; the clean-up sweeps (./sweeps.ts) delete them.

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    const principal = request.principal;
    if (!claim || !principal) return payload;
    request.idempotencyClaim = null;
    // A server-side failure is not an answer worth keeping: the client may retry it for real.
    if (reply.statusCode >= 500 || (typeof payload !== 'string' && payload !== null && !Buffer.isBuffer(payload))) {
      // Often the database itself is down: the 5xx still goes out in its door's format (a throw
      // here would reach Fastify's own handler), and the claim is taken over once abandoned.
      await store.idempotency.release(principal.environment, claim.credential, claim.key, claim.createdAt).catch((error: unknown) => {
        request.log.warn({ err: error }, 'releasing an idempotency key failed');
      });
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const body = payload === null ? '' : payload.toString();
    // A response that may describe a user this very request erased is kept redacted (issue 16).
    const kept = request.erasedUsers.length > 0 ? erasedResponse(reply.statusCode) : { status: reply.statusCode, headers, body };
    await store.idempotency.complete(principal.environment, claim.credential, claim.key, kept);
    return payload;
  });
});
