import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { redactUrl } from '../config.ts';
import { buildServer } from '../http/server.ts';
import { startMetricsServer } from '../http/metrics-server.ts';
import type { ClusterMetrics } from '../http/metrics.ts';
import { createMailer } from '../mail/mailer.ts';
import { createServices } from '../services/index.ts';
import type { Capabilities } from '../store/capabilities.ts';
import type { Store } from '../store/contract.ts';
import { openStore } from '../store/kysely-store.ts';
import type { DeliveryWorker } from '../webhooks/worker.ts';
import { superviseWorkers, workerMetrics } from './cluster.ts';
import { connectionOptions, openDatabase } from './database.ts';
import { checkCanListen } from './listen-check.ts';
import { createLogger } from './logger.ts';
import { onShutdownSignal } from './shutdown.ts';
import { startDeliveryWorker } from './worker.ts';

/**
 * `userplane serve`: one process, or with `--workers N` a primary and N HTTP workers. Either way
 * one process migrates, prints the first keys and delivers webhooks; every HTTP process answers
 * every door.
 */
export async function serveCommand(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  if (cluster.isWorker) return serveClusterWorker(config, logger);

  await checkCanListen(config.port, config.host);
  const store = await openDatabase(config, logger);
  await printFirstKeys(config, store);
  const workers = workerCount(config, store.capabilities);
  if (workers > 1 && !store.capabilities.rowLocks) {
    logger.info({ workers }, 'SQLite with several workers: every write waits for the one database-file lock (WAL, busy timeout, BEGIN IMMEDIATE)');
  }
  if (workers > 1 && config.rateLimit && !config.redisUrl) {
    logger.warn({ workers }, 'rate limits are counted per worker without REDIS_URL: each credential gets the budget once per worker');
  }
  return workers === 1 ? serveOneProcess(config, logger, store) : servePrimary(config, logger, store, workers);
}

/** On PostgreSQL writers run side by side, so one per CPU; SQLite's file lock lets one write at a time. */
export function workerCount(config: Config, capabilities: Capabilities): number {
  return config.workers ?? (capabilities.rowLocks ? availableParallelism() : 1);
}

async function printFirstKeys(config: Config, store: Store): Promise<void> {
  const services = createServices(store, config, { log: () => {} });
  const created = await services.apiKeys.bootstrap();
  if (created.length === 0) return;
  // Printed straight to the terminal, once, and never through the logger.
  process.stdout.write('\nNo API keys existed, so one admin key per environment was created. Store them now; they are not shown again:\n');
  for (const { key, secret } of created) process.stdout.write(`  ${key.environment.padEnd(4)}  ${secret}\n`);
  process.stdout.write('\n');
}

async function startHttp(config: Config, logger: Logger, store: Store, clusterMetrics?: ClusterMetrics) {
  const mailer = createMailer(config, logger);
  const services = createServices(store, config, { mailer, log: (err, msg) => logger.error({ err }, msg) });
  const app = await buildServer({ services, logger, rateLimit: config.rateLimit, redisUrl: config.redisUrl, bodyLimit: config.bodyLimit, batchBodyLimit: config.batch.bodyLimit, clusterMetrics, edge: config.httpEdge, retention: config.privacy });
  await app.listen({ port: config.port, host: config.host });
  const { metricsPort, metricsToken } = config.httpEdge;
  const metrics = metricsPort === null ? null : await startMetricsServer(app, { host: config.host, port: metricsPort, token: metricsToken });
  // Stop listening and let accepted requests finish; idle keep-alive sockets close at once.
  const close = async () => {
    await metrics?.close();
    await app.close();
    mailer.close();
  };
  return { app, close };
}

async function serveOneProcess(config: Config, logger: Logger, store: Store): Promise<number> {
  const http = await startHttp(config, logger, store);
  logger.info({ database: redactUrl(config.databaseUrl), store: store.capabilities.name, workers: 1 }, 'userplane ready');
  // The webhook outbox drains here too, unless delivery runs apart as `userplane worker`.
  const delivery = config.webhooks.workerInServe ? startDeliveryWorker(config, store, logger) : null;
  onShutdownSignal(config, logger, async () => {
    await http.close();
    await delivery?.stop();
    await store.close();
    return true;
  });
  return 0;
}

async function servePrimary(config: Config, logger: Logger, store: Store, workers: number): Promise<number> {
  const supervisor = superviseWorkers(config, workers, logger);
  let delivery: DeliveryWorker | null = null;
  // Installed before the workers listen: a SIGTERM during start-up still stops them all.
  onShutdownSignal(
    config,
    logger,
    async () => {
      const clean = await supervisor.stop();
      await delivery?.stop();
      await store.close();
      return clean;
    },
    // The workers keep the timeout each; the primary outlasts them, to see how they ended.
    config.shutdownTimeoutMs + 1_000,
  );
  await supervisor.ready;
  logger.info({ database: redactUrl(config.databaseUrl), store: store.capabilities.name, workers }, 'userplane ready');
  delivery = config.webhooks.workerInServe ? startDeliveryWorker(config, store, logger) : null;
  return 0;
}

async function serveClusterWorker(config: Config, logger: Logger): Promise<number> {
  // With the logger, but without its first line: the primary said where it connects already.
  const store = await openStore(config.databaseUrl, connectionOptions(config, logger));
  const http = await startHttp(config, logger, store, workerMetrics());
  onShutdownSignal(config, logger, async () => {
    await http.close();
    await store.close();
    return true;
  });
  return 0;
}
