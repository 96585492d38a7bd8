import { pino } from 'pino';
import type { Config } from '../config.ts';
import { createMailer } from '../mail/mailer.ts';
import { redactUrl } from '../config.ts';
import { buildServer } from '../http/server.ts';
import { createServices } from '../services/index.ts';
import { openStore } from '../store/kysely-store.ts';
import { startDeliveryWorker } from './worker.ts';

export async function serveCommand(config: Config): Promise<number> {
  const logger = pino({ level: config.logLevel });
  const store = await openStore(config.databaseUrl, { poolSize: config.databasePoolSize, statementTimeoutMs: config.databaseStatementTimeoutMs });
  const mailer = createMailer(config, logger);
  const services = createServices(store, config, { mailer, log: (err, msg) => logger.error({ err }, msg) });
  const app = await buildServer({ services, logger, rateLimit: config.rateLimit, redisUrl: config.redisUrl, bodyLimit: config.bodyLimit });

  const created = await services.apiKeys.bootstrap();
  if (created.length > 0) {
    // Printed straight to the terminal, once, and never through the logger.
    process.stdout.write('\nNo API keys existed, so one admin key per environment was created. Store them now; they are not shown again:\n');
    for (const { key, secret } of created) process.stdout.write(`  ${key.environment.padEnd(4)}  ${secret}\n`);
    process.stdout.write('\n');
  }

  await app.listen({ port: config.port, host: config.host });
  app.log.info({ database: redactUrl(config.databaseUrl), store: store.capabilities.name }, 'userplane ready');
  // The webhook outbox drains here too, unless delivery runs apart as `userplane worker`.
  const worker = config.webhooks.workerInServe ? startDeliveryWorker(config, store, logger) : null;

  // Stop listening, let accepted requests finish, then release the worker and the store. A
  // request that will not finish must not hold the process forever: past the timeout, exit 1.
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out: exiting with requests still in flight');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    try {
      await app.close();
      await worker?.stop();
      await store.close();
      mailer.close();
      clearTimeout(timer);
      app.log.info('shut down');
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return 0;
}
