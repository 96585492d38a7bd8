/**
 * Opens the database a DATABASE_URL names: `sqlite:<path>` (better-sqlite3, the default) or
 * `postgres://…` (pg). Returns Kysely plus the capability flags of that database.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { POSTGRES, SQLITE, type Capabilities } from './capabilities.ts';
import type { Database } from './schema.ts';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.ts';
import { BUSY_TIMEOUT_MS, LockWaitingSqliteDriver, type CommitStats, type SqliteHandle } from './sqlite-driver.ts';
import { startListener, type ListenHandlers, type Listener } from './pg-listener.ts';
import { wrapClient, type KyselyPgClient, type PreparedStatements } from './postgres-client.ts';

export interface Connection {
  db: Kysely<Database>;
  capabilities: Capabilities;
  /** The connection pool's counts; null where there is no pool (SQLite's one in-process handle). */
  poolStats: () => PoolStats | null;
  /** SQLite: transactions committed and the COMMITs that made them durable (group commit, ./sqlite-driver.ts); null on PostgreSQL. */
  commitStats: () => CommitStats | null;
  /** After an erasing commit: SQLite truncates its WAL soon (see Store.afterErasure). */
  afterErasure: () => void;
  /** PostgreSQL: a dedicated connection that LISTENs on `channel` (./pg-listener.ts); absent on SQLite. */
  listen?: (channel: string, handlers: ListenHandlers) => Listener;
}

export interface PoolStats {
  /** Connections open, busy or idle. */
  total: number;
  idle: number;
  /** Queries queued for a connection because every one is busy and the pool is full. */
  waiting: number;
}

export interface ConnectionOptions {
  /** Most connections in the PostgreSQL pool (10 when absent). */
  poolSize?: number;
  /** PostgreSQL's statement_timeout, sent when the connection opens; 0 or absent leaves the server's. */
  statementTimeoutMs?: number;
  /** How long opening a PostgreSQL connection (or waiting for a free one) may take; 10 s when absent. */
  connectTimeoutMs?: number;
  /** SQLite: how long a write waits for another connection's lock before failing (5000 when absent). */
  lockTimeoutMs?: number;
  /** PostgreSQL: run the hot queries as named prepared statements (DATABASE_PREPARED_STATEMENTS; true when absent). */
  preparedStatements?: boolean;
  /** Told about trouble the process works around (named statements refused by a pooler). */
  onWarning?: (message: string) => void;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function openConnection(url: string, options: ConnectionOptions = {}): Connection {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options.lockTimeoutMs ?? 5000);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options);
  throw new Error(`Unsupported database URL "${url}": use sqlite:<path> or postgres://…`);
}

/** The most memory SQLite's page cache of the server's connection may take, in KiB (64 MiB). */
export const SQLITE_CACHE_KIB = 65_536;

function openSqlite(path: string, lockTimeoutMs: number): Connection {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new SqliteDatabase(path);
  raw.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash; only an OS crash can lose the last commits.
  raw.pragma('synchronous = NORMAL');
  // Short: a wait blocks the event loop; longer waits happen between tries (./sqlite-driver.ts).
  raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Identities and codes go with their user (ON DELETE CASCADE), which SQLite enforces only when asked.
  raw.pragma('foreign_keys = ON');
  // Deleted content is overwritten with zeros rather than left in free space (issue 16): an erased
  // user's email must leave the file, not wait for its page to be reused.
  raw.pragma('secure_delete = ON');
  // A savepoint's journal (each operation of a grouped batch has one) stays in memory instead of
  // spilling to a temporary file once it passes 64 KiB: a batch import wrote one per user.
  raw.pragma('temp_store = MEMORY');
  // A page cache of up to 64 MiB instead of SQLite's 2 MiB: with a million users a PATCH reads a
  // dozen index pages, and each one SQLite does not hold is a system call and a copy from the OS's
  // cache. Pages are taken only as they are read, so a small database stays small in memory.
  raw.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  let checkpointer: Checkpointer | null = null;
  if (path !== ':memory:') {
    checkpointer = startCheckpointer(path);
    // ~80 MB of WAL before this connection checkpoints itself: only if the worker falls behind.
    raw.pragma('wal_autocheckpoint = 20000');
  }
  const database = withStatementCache(raw, () => checkpointer?.stop());
  const dialect = new LockWaitingSqliteDialect(database, lockTimeoutMs);
  return {
    db: new Kysely<Database>({ dialect }),
    capabilities: SQLITE,
    poolStats: () => null,
    commitStats: () => ({ ...dialect.driver.stats }),
    afterErasure: () => checkpointer?.truncateSoon(),
  };
}

/** Kysely prepares every query anew; better-sqlite3 statements can be reused, which is much cheaper. */
function withStatementCache(raw: SqliteDatabase.Database, onClose: () => void) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      onClose();
      raw.close();
    },
    get inTransaction() {
      return raw.inTransaction;
    },
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= 500) cache.clear();
        statement = raw.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

class LockWaitingSqliteDialect extends SqliteDialect {
  /** The one driver of this dialect (Kysely asks once per instance). */
  readonly driver: LockWaitingSqliteDriver;
  constructor(handle: SqliteHandle, lockTimeoutMs: number) {
    super({ database: handle as never });
    this.driver = new LockWaitingSqliteDriver(handle, lockTimeoutMs);
  }
  override createDriver() {
    return this.driver;
  }
}

/**
 * TLS comes from the URL's sslmode, read as libpq reads it (below). Nothing is kept on a session
 * between transactions, so a pgbouncer in transaction mode can stand between.
 */
function openPostgres(url: string, options: ConnectionOptions): Connection {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const clientConfig: pg.ClientConfig = {
    connectionString: withLibpqSslModes(url),
    connectionTimeoutMillis: connectTimeoutMs,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  };
  // Pipeline mode sends a query without waiting for the one before (./postgres-client.ts: BEGIN);
  // Kysely itself still sends one statement at a time.
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 10, pipeline: true });
  // A client that loses its server must not crash the process, idle (the pool's 'error') or
  // checked out (its own, which nothing else listens to); either way the pool discards it.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const prepared: PreparedStatements = { enabled: options.preparedStatements ?? true, ...(options.onWarning ? { onWarning: options.onWarning } : {}) };
  const wrapped = new WeakMap<pg.PoolClient, KyselyPgClient>();
  const wrap = (client: pg.PoolClient) => {
    let kept = wrapped.get(client);
    if (!kept) wrapped.set(client, (kept = wrapClient(client, prepared)));
    return kept;
  };
  const connect = () =>
    withDeadline(pool.connect(), connectTimeoutMs + DEADLINE_MARGIN_MS).then(wrap, (error: unknown) => explainConnectError(error, url, options, connectTimeoutMs));
  const explainingPool = { connect, end: () => pool.end() };
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: explainingPool as never }) }),
    capabilities: POSTGRES,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    commitStats: () => null,
    // Dead row versions are PostgreSQL's VACUUM's to reclaim (README "Personal data").
    afterErasure: () => {},
    listen: (channel, handlers) => startListener(clientConfig, channel, handlers),
  };
}

/**
 * pg alone reads sslmode=require, prefer and verify-ca as verify-full; with uselibpqcompat they
 * mean what libpq (and so every other PostgreSQL client) says: require and prefer encrypt without
 * checking the certificate (require with sslrootcert checks the chain), verify-ca checks the chain,
 * verify-full the chain and the host name. pg cannot fall back between TLS and plaintext, so
 * `allow` (libpq: plaintext first) is disable and `prefer` fails on a server without TLS.
 * `no-verify`, pg's own spelling of require, stays accepted. An explicit uselibpqcompat wins.
 */
export function withLibpqSslModes(url: string): string {
  const at = url.indexOf('?');
  const params = new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
  if (params.has('uselibpqcompat')) return url;
  const mode = params.get('sslmode');
  if (mode === 'no-verify') params.set('sslmode', 'require');
  if (mode === 'allow') params.set('sslmode', 'disable');
  params.set('uselibpqcompat', 'true');
  return `${at < 0 ? url : url.slice(0, at)}?${params}`;
}

/** pg's own timer normally fires first; this one bounds what it does not cover. */
const DEADLINE_MARGIN_MS = 2_000;

/** `connect` or, past `ms`, an ETIMEDOUT error; a client that arrives too late goes back to the pool. */
function withDeadline(connect: Promise<pg.PoolClient>, ms: number): Promise<pg.PoolClient> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(Object.assign(new Error('timeout exceeded when trying to connect'), { code: 'ETIMEDOUT' }));
    }, ms);
    timer.unref();
  });
  connect.then((client) => late && client.release(), () => {});
  return Promise.race([connect, deadline]).finally(() => clearTimeout(timer));
}

/** Where a postgres:// URL points, as `host:port` (a ?host= parameter wins, as in libpq). */
export function postgresAddress(url: string): string {
  try {
    // WHATWG URLs refuse credentials without a host (postgres://user@/db?host=/socket); libpq does not.
    const parsed = new URL(url.replace(/^(postgres(?:ql)?:\/\/[^/?#]*@)(?=[/?#]|$)/, '$1localhost'));
    const host = parsed.searchParams.get('host') || decodeURIComponent(parsed.hostname) || 'localhost';
    const port = parsed.searchParams.get('port') || parsed.port || '5432';
    return `${host}:${port}`;
  } catch {
    return 'the address in DATABASE_URL';
  }
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is PostgreSQL running and listening there?)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'the connection was reset',
};

/**
 * One line that names the server: a timeout, a refused connection, an unknown host, or what
 * PostgreSQL itself said (missing database or role, bad password). The pg error stays the cause,
 * so a failure while serving is still recognised as the database being away.
 */
function explainConnectError(error: unknown, url: string, options: ConnectionOptions, connectTimeoutMs: number): never {
  const { code, message = String(error) } = (error ?? {}) as { code?: string; message?: string };
  const at = postgresAddress(url);
  if (!isStatementTimeoutRefusal(code, message, options)) {
    let text: string;
    if (/timeout/i.test(message) && (code === undefined || code === 'ETIMEDOUT')) {
      text = `cannot reach PostgreSQL at ${at} within ${connectTimeoutMs / 1000} s (DATABASE_CONNECT_TIMEOUT_MS)`;
    } else if (code && UNREACHABLE[code]) {
      text = `cannot reach PostgreSQL at ${at}: ${UNREACHABLE[code]}`;
    } else {
      text = `PostgreSQL at ${at}: ${message.split('\n')[0]}`;
    }
    throw Object.assign(new Error(text, { cause: error }), code ? { code } : {});
  }
  explainStatementTimeoutRefusal(error, url, options, code);
}

function isStatementTimeoutRefusal(code: string | undefined, message: string, options: ConnectionOptions): boolean {
  return Boolean(options.statementTimeoutMs) && code === '08P01' && /unsupported startup parameter: statement_timeout/.test(message);
}

/**
 * pgbouncer refuses the statement_timeout startup parameter (and ignoring it would drop the
 * timeout unseen), so that refusal becomes a message saying where the timeout goes instead.
 */
function explainStatementTimeoutRefusal(error: unknown, url: string, options: ConnectionOptions, code: string | undefined): never {
  let role = '<role>';
  try {
    role = decodeURIComponent(new URL(url).username) || role;
  } catch {
    // an unparsable URL fails on its own elsewhere; the message keeps the placeholder
  }
  const explained = new Error(
    `The database server (pgbouncer?) refused the statement_timeout that DATABASE_STATEMENT_TIMEOUT_MS=${options.statementTimeoutMs} sends when a connection opens. ` +
      `Behind pgbouncer set DATABASE_STATEMENT_TIMEOUT_MS=0 and put the timeout on the role: ALTER ROLE "${role}" SET statement_timeout = ${options.statementTimeoutMs} ` +
      // The server's own words too: the CLI prints one line, without the cause.
      `(the server said: ${(error as Error).message})`,
    { cause: error },
  );
  throw Object.assign(explained, { code });
}
