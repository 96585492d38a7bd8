/**
 * USERPLANE_METRICS_PORT: /metrics on a port of its own (e.g. reachable only from the scraper's
 * network), and then not on the API's port. Under `serve --workers N` every worker listens here
 * through node:cluster like on the API port, and each scrape still covers every worker.
 */
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { metricsTokenMatches } from './metrics.ts';

export interface MetricsServer {
  server: Server;
  close(): Promise<void>;
}

export async function startMetricsServer(app: FastifyInstance, options: { host: string; port: number; token: string | null }): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served on this port\n');
      return;
    }
    if (options.token !== null && !metricsTokenMatches(request.headers.authorization, options.token)) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('Send Authorization: Bearer <USERPLANE_METRICS_TOKEN>\n');
      return;
    }
    app.renderMetrics().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        app.log.error({ err: error }, 'metrics: rendering failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  // A scraper holds no request open for long; the same slow-client limits as the API.
  server.requestTimeout = 30_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
