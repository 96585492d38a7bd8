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
  const store = await openStore(config.databaseUrl);
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

  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await worker?.stop();
    await store.close();
    mailer.close();
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return 0;
}
