/**
 * What Kysely's PostgreSQL driver sees of a pooled pg client (issue 19, item 3): the same `query`,
 * with two round-trip savings.
 *
 * - The hot queries (./prepared.ts) run as named prepared statements: parsed and planned once per
 *   connection, then only bound and executed (DATABASE_PREPARED_STATEMENTS, on by default). Behind
 *   a pooler that moves transactions between server sessions and does not track statements
 *   (pgbouncer before 1.21, or 1.21–1.23 without max_prepared_statements) PostgreSQL answers that a
 *   statement does not exist or exists already: the process then warns once, naming the setting,
 *   and carries on with unnamed statements. The names come from the SQL, so a statement found
 *   under a name is always the one meant.
 * - BEGIN is not waited for: it goes out with the transaction's first statement, in the same
 *   write to the socket (pg's pipeline mode, the socket corked in between), and an error of either
 *   is that statement's error. On this machine a socket write is the costliest step of a query.
 */
import type pg from 'pg';
import { statementName } from './prepared.ts';

export interface PreparedStatements {
  enabled: boolean;
  /** Told once when named statements are turned off because the server (or a pooler) refused them. */
  onWarning?: (message: string) => void;
}

/** The part of a pg client Kysely's PostgresDriver uses. */
export interface KyselyPgClient {
  query(text: string, values: unknown[]): Promise<pg.QueryResult>;
  release(error?: boolean | Error): void;
}

/** SQLSTATEs of a named statement the session does not have (26000) or has already (42P05). */
const LOST_STATEMENT = new Set(['26000', '42P05']);
/** 0A000 "cached plan must not change result type": a table changed under a prepared statement. */
const STALE_PLAN = '0A000';

const BEGUN = Object.freeze({ command: 'BEGIN', rowCount: null, oid: 0, fields: [], rows: [] }) as unknown as pg.QueryResult;

export function wrapClient(client: pg.PoolClient, prepared: PreparedStatements): KyselyPgClient {
  let begin: Promise<unknown> | null = null;
  let broken = false;
  const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    stream?.uncork?.();
  };
  return {
    query(text, values) {
      if (text === 'begin' && stream?.cork && !begin) {
        stream.cork();
        corked = true;
        begin = client.query('begin');
        // Its error, if any, is the next statement's (below); never an unhandled rejection.
        begin.catch(() => {});
        return Promise.resolve(BEGUN);
      }
      const name = prepared.enabled ? statementName(text) : undefined;
      const running = (name ? client.query({ name, text, values }) : client.query(text, values)).catch((error: unknown) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (name && typeof code === 'string' && LOST_STATEMENT.has(code) && prepared.enabled) {
          prepared.enabled = false;
          prepared.onWarning?.(
            `PostgreSQL refused a named prepared statement (${(error as Error).message}): a pooler in transaction mode moves sessions under this process ` +
              '(pgbouncer before 1.21, or without max_prepared_statements). Carrying on with unnamed statements; set DATABASE_PREPARED_STATEMENTS=off to start that way.',
          );
        }
        // The session keeps the stale plan: this connection goes, a new one prepares afresh.
        if (name && code === STALE_PLAN) broken = true;
        throw error;
      });
      // In pipeline mode pg has written the statement already: both leave in one write.
      uncork();
      if (!begin) return running;
      const begun = begin;
      begin = null;
      running.catch(() => {});
      // BEGIN answers first: its error, if any, is the one that counts.
      return begun.then(() => running);
    },
    release(error) {
      uncork();
      begin = null;
      client.release(error ?? broken);
    },
  };
}
