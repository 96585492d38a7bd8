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
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public (health, docs). */
    scope?: Scope;
    /** Publishable keys are refused unless the route allows them. */
    publishable?: boolean;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export const authPlugin = fp(async (app: FastifyInstance, opts: { services: Services }) => {
  app.decorateRequest('principal', null);
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
