/**
 * `userplane worker`: the webhook delivery worker alone, for deployments that scale delivery apart
 * from the API. `serve` runs the same worker unless USERPLANE_WEBHOOK_WORKER=off.
 */
import { pino, type Logger } from 'pino';
import type { Config } from '../config.ts';
import { redactUrl } from '../config.ts';
import type { Store } from '../store/contract.ts';
import { openStore } from '../store/kysely-store.ts';
import type { WebhookFormats } from '../webhooks/format.ts';
import { standardFormat } from '../webhooks/standard-format.ts';
import { workosFormat } from '../webhooks/workos-format.ts';
import { createDeliveryWorker, type DeliveryWorker } from '../webhooks/worker.ts';
import { onShutdownSignal } from './shutdown.ts';

/** The payload formats endpoints may choose; assembled here so the worker depends on none of them. */
export const PAYLOAD_FORMATS: WebhookFormats = { standard: standardFormat, workos: workosFormat };

export function startDeliveryWorker(config: Config, store: Store, logger: Logger): DeliveryWorker {
  const log = logger.child({ component: 'webhooks' });
  const worker = createDeliveryWorker(store, {
    ...config.webhooks,
    formats: PAYLOAD_FORMATS,
    log: {
      debug: (fields, message) => log.debug(fields, message),
      info: (fields, message) => log.info(fields, message),
      warn: (fields, message) => log.warn(fields, message),
      error: (fields, message) => log.error(fields, message),
    },
  });
  worker.start();
  return worker;
}

export async function workerCommand(config: Config): Promise<number> {
  const logger = pino({ level: config.logLevel });
  const store = await openStore(config.databaseUrl, { poolSize: config.databasePoolSize, statementTimeoutMs: config.databaseStatementTimeoutMs, lockTimeoutMs: config.sqliteLock.timeoutMs });
  if (!store.capabilities.skipLocked) {
    logger.warn('SQLite: run one process that delivers webhooks (serve or worker) per database file');
  }
  const worker = startDeliveryWorker(config, store, logger);
  logger.info({ database: redactUrl(config.databaseUrl), store: store.capabilities.name }, 'userplane worker ready');

  // Attempts in flight finish (or time out) first; past USERPLANE_SHUTDOWN_TIMEOUT_MS the process exits 1.
  onShutdownSignal(config, logger, async () => {
    await worker.stop();
    await store.close();
    return true;
  });
  return 0;
}
