/**
 * Browsers (issue 12): CORS, preflight included, for the origins in USERPLANE_CORS_ORIGINS on the
 * endpoints a publishable key may call, and nowhere else. Secret keys are never accepted from a
 * cross-origin browser request, listed origin or not (as Stripe does): a page's code is public,
 * so a secret key in it is a leaked key. Same-origin pages (the /console) are not cross-origin.
 */
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError } from '../domain/errors.ts';
import { bearerToken } from './auth.ts';

/** What a browser client of the doors sends, and what its code may read of the answer. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-User-External-Id', 'X-User-Hash', 'X-Request-Id'];
export const CORS_EXPOSED_HEADERS = ['ETag', 'X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy', 'Retry-After'];
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * True when the request comes from a page of another origin: it has an Origin, and neither the
 * browser's Sec-Fetch-Site nor the Host (X-Forwarded-Host behind a trusted proxy) says it is ours.
 */
export function isCrossOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  if (request.headers['sec-fetch-site'] === 'same-origin') return false;
  try {
    const page = new URL(origin);
    // Through URL both sides drop a default port (`localhost:80` is `http://localhost`).
    return page.host !== new URL(`${page.protocol}//${request.host}`).host;
  } catch {
    return true; // "null" (sandboxed frames, file:) and anything unparsable
  }
}

/** Refuses sk_… keys on cross-origin browser requests, before the key is looked up. */
export const browserSecretKeyGuard = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.config.scope || !bearerToken(request)?.startsWith('sk_') || !isCrossOrigin(request)) return;
    throw new ForbiddenError('Secret keys are not accepted from a browser: call from your server, or use a publishable key (pk_…) in the browser');
  });
});

interface PublishableRoute {
  path: RegExp;
  methods: Set<string>;
}

/** `/proficient/users/:id` as a RegExp of the concrete paths it serves. */
function pathPattern(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

export const corsPlugin = fp(async (app: FastifyInstance, opts: { origins: string[] }) => {
  const allowed = new Set(opts.origins.map((origin) => origin.toLowerCase()));
  // Registered before the doors, so every publishable route is seen as it is added.
  const publishable = new Map<string, PublishableRoute>();
  app.addHook('onRoute', (route) => {
    if (!route.config?.publishable) return;
    const entry = publishable.get(route.url) ?? { path: pathPattern(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
    publishable.set(route.url, entry);
  });

  /** The methods a browser may use on this path, or null when no publishable route serves it. */
  const methodsAt = (url: string): string[] | null => {
    const path = url.split('?')[0]!;
    const methods = new Set<string>();
    for (const route of publishable.values()) if (route.path.test(path)) route.methods.forEach((m) => methods.add(m));
    return methods.size > 0 ? [...methods] : null;
  };

  await app.register(cors, {
    hideOptionsRoute: true,
    delegator: (request: FastifyRequest, callback: (error: Error | null, options: Record<string, unknown>) => void) => {
      const origin = request.headers.origin?.toLowerCase();
      const preflight = request.method === 'OPTIONS';
      const methods = preflight ? methodsAt(request.url) : request.routeOptions.config.publishable ? [request.method] : null;
      const asked = String(request.headers['access-control-request-method'] ?? '').toUpperCase();
      const enabled = origin !== undefined && allowed.has(origin) && methods !== null && (!preflight || methods.includes(asked));
      callback(null, {
        origin: enabled ? request.headers.origin : false,
        methods: methods ?? [],
        allowedHeaders: CORS_ALLOWED_HEADERS,
        exposedHeaders: CORS_EXPOSED_HEADERS,
        maxAge: PREFLIGHT_MAX_AGE_SECONDS,
        credentials: false,
        strictPreflight: true,
      });
    },
  });
});
