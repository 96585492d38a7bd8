/** How `serve` and `worker` stop: on SIGTERM or SIGINT, once, within a time limit. */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

/**
 * SIGTERM or SIGINT runs `shutdown` once. A request that will not finish must not hold the process
 * forever: past the timeout it exits 1, as it does when shutdown reports an unclean stop.
 */
export function onShutdownSignal(config: Config, logger: Logger, shutdown: () => Promise<boolean>, timeoutMs = config.shutdownTimeoutMs): void {
  let closing = false;
  const run = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out: exiting with requests still in flight');
      process.exit(1);
    }, timeoutMs);
    try {
      const clean = await shutdown();
      clearTimeout(timer);
      logger.info(clean ? 'shut down' : 'shut down, but a worker did not stop cleanly');
      process.exit(clean ? 0 : 1);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void run('SIGTERM'));
  process.once('SIGINT', () => void run('SIGINT'));
}
