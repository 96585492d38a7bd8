/**
 * Authentication in one onRequest hook: every route that declares `config.scope` needs a
 * credential with that scope (admin ⊇ write ⊇ read). `Authorization: Bearer <key>` everywhere,
 * and `Token <key>` (StateSet's spelling) as well.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
import type { Door } from '../domain/user.ts';
import { hasScope, type Principal } from '../services/api-key-service.ts';
import { looksLikeJwt } from '../services/oauth-tokens.ts';
import type { RequestContext, Services } from '../services/index.ts';
import type { Scope } from '../store/contract.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** With a publishable key: the external id of the end user it acts for (proven, when the key demands it). */
    endUser: string | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public (health, docs). */
    scope?: Scope;
    /** Publishable keys are refused unless the route allows them. */
    publishable?: boolean;
    /**
     * The key alone in Authorization, without "Bearer" (SCIM: IdP admin forms invite pasting just
     * the key into a header field).
     */
    bareKey?: boolean;
  }
}

/** The end user a publishable key acts for (the Proficient SDK's header), and its proofs. */
export const END_USER_HEADER = 'x-user-external-id';
export const USER_HASH_HEADER = 'x-user-hash';
export const USER_TOKEN_HEADER = 'x-user-token';

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header);
  if (match) return match[1] ?? null;
  // Only a secret key's own shape counts as bare, so that another scheme (Basic …) is still refused.
  const bare = request.routeOptions.config?.bareKey ? /^\s*(sk_(?:live|test)_\S+)\s*$/.exec(header) : null;
  return bare?.[1] ?? null;
}

export const authPlugin = fp(async (app: FastifyInstance, opts: { services: Services }) => {
  app.decorateRequest('principal', null);
  app.decorateRequest('endUser', null);
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedError('Missing API key: send Authorization: Bearer <key> (or Token <key>)');
    const principal =
      opts.services.tokens && looksLikeJwt(token)
        ? await opts.services.tokens.verify(token)
        : await opts.services.apiKeys.authenticate(token);
    if (!principal) throw new UnauthorizedError('Invalid or revoked API key');
    if (principal.type === 'publishable' && !request.routeOptions.config.publishable) {
      throw new ForbiddenError('Publishable keys cannot call this endpoint');
    }
    if (principal.type === 'publishable') {
      // Who the key acts for is settled here, before rate limits and stored idempotent responses,
      // which both count per end user.
      const externalId = singleHeader(request, END_USER_HEADER);
      if (!externalId) throw new ForbiddenError("A publishable key must send X-User-External-Id with the signed-in user's external id");
      const proof = { hash: singleHeader(request, USER_HASH_HEADER), token: singleHeader(request, USER_TOKEN_HEADER) };
      if (!(await opts.services.endUsers.proves(principal, externalId, proof))) {
        throw new UnauthorizedError("This publishable key requires proof of the end user: X-User-Hash (HMAC-SHA256 of X-User-External-Id with the key's user proof secret) or X-User-Token");
      }
      request.endUser = externalId;
    }
    if (principal.type === 'secret' && !hasScope(principal, scope)) {
      throw new ForbiddenError(`This credential lacks the "${scope}" scope`);
    }
    request.principal = principal;
  });
});

/** The use-case context of an authenticated request. */
export function contextOf(request: FastifyRequest, door: Door): RequestContext {
  const principal = request.principal;
  if (!principal) throw new UnauthorizedError();
  return { environment: principal.environment, actor: principal.keyId, door, requestId: request.id, scopes: principal.scopes };
}
