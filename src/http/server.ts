/** Assembles the HTTP server: shared plumbing, then each API door under its own mount point. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { HttpEdgeConfig, LogLevel, PrivacyConfig, RateLimitConfig } from '../config.ts';
import type { Services } from '../services/index.ts';
import type { SweeperOptions } from '../services/sweeper.ts';
import { NotFoundError } from '../domain/errors.ts';
import { newRequestId } from '../domain/ids.ts';
import { requestSerializer, withMaskedRequests } from './log-masking.ts';
import { validatorCompiler } from './ajv.ts';
import { authPlugin } from './auth.ts';
import { consoleRoutes } from './console.ts';
import { idempotencyPlugin } from './idempotency.ts';
import { registerJsonBody } from './json-body.ts';
import { metricsPlugin, type ClusterMetrics } from './metrics.ts';
import { rateLimitPlugin } from './rate-limit.ts';
import { clientAddressLimit } from './client-address-limit.ts';
import { publicDocuments } from './public-documents.ts';
import { browserSecretKeyGuard, corsPlugin } from './cors.ts';
import { sweepPlugin } from './sweeps.ts';
import { swaggerOptions } from './openapi.ts';
import { systemRoutes } from './system.ts';
import { klaimDoor } from './klaim/index.ts';
import { proficientDoor } from './proficient/index.ts';
import { scimDoor } from './scim/index.ts';
import { statesetDoor } from './stateset/index.ts';
import { v1 } from './v1/door.ts';
import { v1Door } from './v1/index.ts';
import { workosDoor } from './workos/index.ts';

export interface ServerOptions {
  services: Services;
  logLevel?: LogLevel;
  /** A pino destination stream, for tests that read the log. */
  logStream?: NodeJS.WritableStream;
  /** A logger made elsewhere (the CLI shares one with the services); wins over logLevel/logStream. */
  logger?: FastifyBaseLogger;
  bodyLimit?: number;
  /** The body limit of POST /v1/users/batch (USERPLANE_BATCH_BODY_LIMIT); 16 MiB when absent. */
  batchBodyLimit?: number;
  /** Per-credential limits; null or absent serves without them. */
  rateLimit?: RateLimitConfig | null;
  redisUrl?: string | null;
  /** The clean-up sweeps' timing (tests); the defaults otherwise. */
  sweeps?: SweeperOptions;
  /** How long events and webhook deliveries are kept (issue 16); the defaults otherwise. */
  retention?: Pick<PrivacyConfig, 'eventRetentionDays' | 'deliveryRetentionDays'>;
  /** Under `serve --workers N`, so that /metrics covers every worker. */
  clusterMetrics?: ClusterMetrics;
  /** Timeouts, per-address limits, /metrics access, CORS (issue 12); what is absent keeps its default. */
  edge?: Partial<HttpEdgeConfig>;
}

/** The defaults of `edge`; the per-address limit is off unless configured (`serve` always configures it). */
export const EDGE_DEFAULTS: HttpEdgeConfig = {
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  publicRateLimit: null,
  trustProxy: false,
  metricsToken: null,
  metricsPort: null,
  corsOrigins: [],
};

const CLIENT_REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const edge: HttpEdgeConfig = { ...EDGE_DEFAULTS, ...options.edge };
  const app = Fastify({
    // Request URLs are logged with personal identifiers masked unless the level is debug (log-masking.ts).
    ...(options.logger
      ? { loggerInstance: withMaskedRequests(options.logger) }
      : {
          logger: {
            level: options.logLevel ?? 'info',
            serializers: { req: requestSerializer(() => options.logLevel ?? 'info') },
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
        }),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    // A client's own request id is kept when it is sane, so logs on both sides line up.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : newRequestId();
    },
    routerOptions: { maxParamLength: 512 },
    // On close, idle keep-alive sockets are dropped at once; sockets mid-request finish first.
    forceCloseConnections: 'idle',
    ...serverTimeouts(edge),
    // A hop count trusts that many proxies in front (what Fastify does with a number, which its types omit).
    trustProxy: typeof edge.trustProxy === 'number' ? trustHops(edge.trustProxy) : edge.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // A path no door serves still answers in the canonical /v1 error shape (each door keeps its own below).
  app.setNotFoundHandler((request, reply) => v1.sendError(new NotFoundError('route'), request, reply));
  // JSON only (any other body is a 415), parsed strictly: UTF-8, no duplicate keys.
  registerJsonBody(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });

  await app.register(metricsPlugin, {
    store: options.services.store,
    cluster: options.clusterMetrics,
    token: edge.metricsToken,
    route: edge.metricsPort === null,
  }); // first, so its hooks see every route
  await app.register(swagger, swaggerOptions());
  // Grouped by tag (each door, each /v1 resource), operationIds shown: the names the client's types use.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', displayOperationId: true, deepLinking: true } });
  // Before authentication: an address over its budget is refused without a key lookup.
  if (edge.publicRateLimit) await app.register(clientAddressLimit, { window: edge.publicRateLimit, redisUrl: options.redisUrl ?? null });
  // Browsers: CORS for the listed origins on publishable-key routes; never a secret key cross-origin.
  if (edge.corsOrigins.length > 0) await app.register(corsPlugin, { origins: edge.corsOrigins });
  await app.register(browserSecretKeyGuard);
  await app.register(publicDocuments);
  await app.register(authPlugin, { services: options.services });
  // Order matters: both add per-route preHandlers, and replays should count against the limit.
  if (options.rateLimit) await app.register(rateLimitPlugin, { limits: options.rateLimit, redisUrl: options.redisUrl ?? null });
  await app.register(idempotencyPlugin, { store: options.services.store });
  await app.register(sweepPlugin, { store: options.services.store, sweeps: options.sweeps, retention: options.retention });

  await app.register(systemRoutes, { services: options.services });
  await app.register(v1Door, { prefix: '/v1', services: options.services, batchBodyLimit: options.batchBodyLimit ?? 16 * 1024 * 1024 });
  // WorkOS's SDK drops any path prefix, so its door serves its real root paths (/user_management/…).
  await app.register(workosDoor, { services: options.services });
  await app.register(proficientDoor, { prefix: '/proficient', services: options.services });
  await app.register(klaimDoor, { prefix: '/klaim', services: options.services });
  await app.register(statesetDoor, { prefix: '/stateset', services: options.services });
  await app.register(scimDoor, { services: options.services });
  await app.register(consoleRoutes); // the admin page at /console, a client of /v1 like any other
  return app;
}

/**
 * Slow clients are cut off: the whole request (headers and body) must arrive within
 * requestTimeoutMs, or Node answers 408 and closes the socket; idle keep-alive sockets close after
 * keepAliveTimeoutMs. Node checks the first two only every connectionsCheckingInterval (30 s by
 * default), so that interval is kept well under the timeout.
 */
function serverTimeouts(edge: HttpEdgeConfig) {
  const timeout = edge.requestTimeoutMs;
  return {
    requestTimeout: timeout,
    keepAliveTimeout: edge.keepAliveTimeoutMs,
    http: { requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(timeout / 5))) },
  };
}

function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}
