/** How every command opens the database: the configured pool, timeouts, and a first log line. */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { redactUrl } from '../config.ts';
import type { ConnectionOptions } from '../store/connection.ts';
import type { Store } from '../store/contract.ts';
import { openStore } from '../store/kysely-store.ts';

export function connectionOptions(config: Config, logger?: Logger): ConnectionOptions {
  return {
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    connectTimeoutMs: config.connect.timeoutMs,
    lockTimeoutMs: config.sqliteLock.timeoutMs,
    preparedStatements: config.databasePreparedStatements,
    ...(logger ? { onWarning: (message: string) => logger.warn(message) } : {}),
  };
}

/** Says where it connects before trying, so a slow or failing start shows what it waits for. */
export function openDatabase(config: Config, logger?: Logger): Promise<Store> {
  logger?.info({ database: redactUrl(config.databaseUrl), connectTimeoutMs: config.connect.timeoutMs }, `connecting to ${redactUrl(config.databaseUrl)}`);
  return openStore(config.databaseUrl, connectionOptions(config, logger));
}
