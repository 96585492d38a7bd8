/**
 * Prometheus metrics at /metrics (public like /healthz, hidden from the OpenAPI document): requests
 * and their latency by route pattern, door and status; rate-limit rejections; the database pool
 * and the webhook backlog, read at scrape time; and prom-client's process metrics. Each server has
 * its own registry, so several in one process (the tests) do not collide.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RateLimitedError } from '../domain/errors.ts';
import type { Store } from '../store/contract.ts';

export interface MetricsOptions {
  store: Store;
  /** Under `serve --workers N`: a scrape answers for every worker, not only the one it reached. */
  cluster?: ClusterMetrics;
  /** When set, a scrape needs `Authorization: Bearer <token>` (USERPLANE_METRICS_TOKEN). */
  token?: string | null;
  /** False when /metrics is served on a port of its own (USERPLANE_METRICS_PORT), not on the API's. */
  route?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Prometheus text of this server (of every worker under a cluster), for a metrics-only port. */
    renderMetrics: () => Promise<{ contentType: string; body: string }>;
  }
}

/** True when the Authorization header carries `Bearer <token>`; compared in constant time. */
export function metricsTokenMatches(authorization: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

export interface ClusterMetrics {
  /** Called once with this server's registry; returns what renders the whole cluster's metrics. */
  attach(registry: Registry): () => Promise<string>;
}

const DOORS: Record<string, string> = { v1: 'v1', user_management: 'workos', proficient: 'proficient', klaim: 'klaim', stateset: 'stateset', scim: 'scim' };

/** The door a path belongs to, by its first segment; anything else is `other`, so the label stays bounded. */
export function doorOf(path: string): string {
  const first = path.split('?')[0]!.split('/')[1] ?? '';
  return DOORS[first] ?? 'other';
}

/** The route pattern (`/v1/users/:id`), never the raw URL: ids in labels would grow without bound. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

export const metricsPlugin = fp(async (app: FastifyInstance, { store, cluster, token = null, route = true }: MetricsOptions) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'userplane_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method, door and status',
    labelNames: ['route', 'method', 'door', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'userplane_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by route pattern, method and door',
    labelNames: ['route', 'method', 'door'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'userplane_rate_limited_total',
    help: 'Requests refused with 429 by a rate limit, by door and reason (rate_limited: the per-credential budget)',
    labelNames: ['door', 'reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'userplane_db_pool',
    help: 'PostgreSQL connection pool: total and idle connections, and queries waiting for one (absent on SQLite)',
    labelNames: ['state'] as const,
    registers: [registry],
    aggregator: 'sum', // every worker has a pool of its own
    collect() {
      const stats = store.poolStats();
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  let counted = { transactions: 0, commits: 0 };
  new Counter({
    name: 'userplane_sqlite_commits_total',
    help: 'SQLite: transactions committed, and the COMMIT statements that made them durable (group commit: transactions that end together share one); absent on PostgreSQL',
    labelNames: ['counted'] as const,
    registers: [registry],
    collect() {
      const stats = store.commitStats();
      if (!stats) return;
      this.inc({ counted: 'transactions' }, stats.transactions - counted.transactions);
      this.inc({ counted: 'commits' }, stats.commits - counted.commits);
      counted = stats;
    },
  });
  new Gauge({
    name: 'userplane_webhook_backlog',
    help: 'Webhook deliveries pending: due now or waiting for a retry',
    registers: [registry],
    aggregator: 'max', // one shared outbox, counted by every worker
    async collect() {
      try {
        this.set(await store.webhooks.countPending());
      } catch (error) {
        // A scrape while the database is down still reports the process; the backlog goes stale.
        app.log.warn({ err: error }, 'metrics: could not count the webhook backlog');
      }
    },
  });

  app.addHook('onError', async (request, _reply, error) => {
    if (error instanceof RateLimitedError) rateLimited.inc({ door: doorOf(request.url), reason: error.reason });
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = routeOf(request);
    const door = doorOf(request.routeOptions.url ?? request.url);
    requests.inc({ route, method: request.method, door, status: String(reply.statusCode) });
    duration.observe({ route, method: request.method, door }, reply.elapsedTime / 1000);
  });
  app.addHook('onClose', async () => registry.clear());

  const clusterScrape = cluster?.attach(registry);
  const render = async (log: FastifyBaseLogger) => {
    if (!clusterScrape) return registry.metrics();
    try {
      return await clusterScrape();
    } catch (error) {
      // Better this worker's numbers than none; the log says the scrape was partial.
      log.warn({ err: error }, 'metrics: the other workers could not be asked; answering for this worker only');
      return registry.metrics();
    }
  };
  app.decorate('renderMetrics', async () => ({ contentType: registry.contentType, body: await render(app.log) }));
  if (!route) return;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token !== null && !metricsTokenMatches(request.headers.authorization, token)) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'unauthorized', message: 'Send Authorization: Bearer <USERPLANE_METRICS_TOKEN>', request_id: request.id });
    }
    reply.header('content-type', registry.contentType);
    return render(request.log);
  });
});
