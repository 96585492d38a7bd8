/**
 * Kysely's SQLite driver, with the file lock waited for without blocking. better-sqlite3 is
 * synchronous: its busy_timeout spins on this thread, stalling every request while another process
 * (a backup, a shell, another worker mid-transaction) holds the write lock. Here busy_timeout stays
 * short (BUSY_TIMEOUT_MS, so one try blocks at most that long) and a statement or BEGIN IMMEDIATE
 * that still finds the lock taken is retried on a timer until `lockTimeoutMs`, then fails as
 * SQLITE_BUSY (503 with Retry-After). While it waits the connection is free for other queries:
 * nothing is open on it between tries.
 */
import { CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
import type SqliteDatabase from 'better-sqlite3';

/** The longest one try may block the event loop waiting for the lock. */
export const BUSY_TIMEOUT_MS = 50;

/** What the driver needs of a better-sqlite3 database (the statement cache in connection.ts). */
export interface SqliteHandle {
  prepare(sql: string): SqliteDatabase.Statement;
  readonly inTransaction: boolean;
  close(): void;
}

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

class Mutex {
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;
  async lock(): Promise<void> {
    while (this.#held) await this.#held;
    this.#held = new Promise((resolve) => (this.#release = resolve));
  }
  unlock(): void {
    const release = this.#release;
    this.#held = undefined;
    this.#release = undefined;
    release?.();
  }
}

class LockWaiter {
  constructor(
    private readonly mutex: Mutex,
    private readonly lockTimeoutMs: number,
  ) {}

  /** Runs `attempt` until it does not fail on the file lock; between tries the connection is let go. */
  async retry<T>(attempt: () => T): Promise<T> {
    const started = Date.now();
    for (let tries = 0; ; tries++) {
      try {
        return attempt();
      } catch (error) {
        if (!isBusy(error)) throw error;
        const waited = Date.now() - started;
        if (waited >= this.lockTimeoutMs) {
          throw Object.assign(new Error(`The SQLite database is locked by another connection; gave up after ${waited} ms (DATABASE_LOCK_TIMEOUT_MS=${this.lockTimeoutMs})`), {
            code: 'SQLITE_BUSY_TIMEOUT',
            cause: error,
          });
        }
        this.mutex.unlock();
        await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** tries, 50) * (0.5 + Math.random())));
        await this.mutex.lock();
      }
    }
  }
}

type RowMaker = (values: unknown[]) => Record<string, unknown>;

/**
 * A function that turns a raw row (an array) into the object better-sqlite3 would make, as one
 * object literal of fixed shape. better-sqlite3 builds each row object a property at a time, which
 * for a users row (36 columns) cost more than reading the row; arrays and a literal cost half.
 * Null when a name cannot be a literal's plain key (`__proto__`): such statements keep object rows.
 */
function rowMaker(names: readonly string[]): RowMaker | null {
  if (names.includes('__proto__')) return null;
  // A name that appears twice keeps its last value, as in better-sqlite3's objects.
  const last = new Map(names.map((name, index) => [name, index]));
  const body = [...last].map(([name, index]) => `${JSON.stringify(name)}: v[${index}]`).join(', ');
  return new Function('v', `return { ${body} };`) as RowMaker;
}

/**
 * Whether a statement's columns may follow the schema: any `*` but `count(*)`'s. A `*` that is a
 * multiplication counts too, which costs only a check it did not need.
 */
function mayReturnStar(sql: string): boolean {
  return /\*(?!\s*\))/.test(sql);
}

class SqliteConnection implements DatabaseConnection {
  /** Per statement: its column names when the maker was made, and the maker. Cleared when the schema changes. */
  #makers = new WeakMap<SqliteDatabase.Statement, { names: number; make: RowMaker | null; star: boolean }>();
  #schemaVersion: number | undefined;

  constructor(
    private readonly db: SqliteHandle,
    private readonly waiter: LockWaiter,
  ) {}

  /** Whether the schema was checked since the connection was last taken (see #checkSchema). */
  #checked = false;

  /** The connection was taken: the schema is checked again before the next rows are made. */
  taken(): void {
    this.#checked = false;
  }

  /**
   * A migration run by another process (or a renamed column) changes the columns a `select *`
   * returns, so every row maker is made again after it. Checked once per taking of the connection,
   * at the first read of a statement with a `*` in it: inside a transaction that is a read of a
   * page SQLite already holds; outside one it is a read transaction of its own, which cost a plain
   * `GET /v1/users/{id}` a tenth of its CPU. A statement that names its columns needs no check:
   * a schema change can only make it fail, never move its columns.
   */
  #checkSchema(): void {
    this.#checked = true;
    let version: number | undefined;
    try {
      version = this.db.prepare('pragma schema_version').pluck().get() as number;
    } catch {
      // Unreadable now (busy, closing): forget every maker; the query itself reports any real error.
    }
    if (version === undefined || version !== this.#schemaVersion) {
      this.#schemaVersion = version;
      this.#makers = new WeakMap();
    }
  }

  #rows(statement: SqliteDatabase.Statement, parameters: readonly unknown[]): unknown[] {
    let maker = this.#makers.get(statement);
    if (maker?.star && !this.#checked) {
      this.#checkSchema();
      maker = this.#makers.get(statement);
    }
    if (!maker) {
      // The first run (since the schema last changed) makes object rows: a statement is prepared
      // again under a new schema only when it runs, so its column names are current only after.
      if (!this.#checked) this.#checkSchema();
      const rows = statement.raw(false).all(parameters);
      const names = statement.columns().map((c) => c.name);
      this.#makers.set(statement, { names: names.length, make: rowMaker(names), star: mayReturnStar(statement.source) });
      return rows;
    }
    if (!maker.make) return statement.raw(false).all(parameters);
    const values = statement.raw(true).all(parameters) as unknown[][];
    // The statement was prepared again under a changed schema since the maker was made.
    if (values.length > 0 && values[0]!.length !== maker.names) {
      this.#makers.delete(statement);
      return statement.raw(false).all(parameters);
    }
    const rows: unknown[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) rows[i] = maker.make(values[i]!);
    return rows;
  }

  run(sql: string, parameters: readonly unknown[]): QueryResult<unknown> {
    const statement = this.db.prepare(sql);
    if (statement.reader) return { rows: this.#rows(statement, parameters) };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Inside a transaction the write lock is already ours (BEGIN IMMEDIATE); a statement on its own may wait for it.
    if (this.db.inTransaction) return this.run(query.sql, query.parameters) as QueryResult<R>;
    return this.waiter.retry(() => this.run(query.sql, query.parameters)) as Promise<QueryResult<R>>;
  }

  // eslint-disable-next-line require-yield
  async *streamQuery(): AsyncIterableIterator<QueryResult<never>> {
    throw new Error('streaming is not used with SQLite');
  }
}

export class LockWaitingSqliteDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #db: SqliteHandle;
  readonly #waiter: LockWaiter;
  readonly #connection: SqliteConnection;

  constructor(db: SqliteHandle, lockTimeoutMs: number) {
    this.#db = db;
    this.#waiter = new LockWaiter(this.#mutex, lockTimeoutMs);
    this.#connection = new SqliteConnection(db, this.#waiter);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: queries take turns.
    await this.#mutex.lock();
    this.#connection.taken();
    return this.#connection;
  }

  /** BEGIN IMMEDIATE takes the write lock up front, so no statement inside the transaction waits for it. */
  async beginTransaction(): Promise<void> {
    await this.#waiter.retry(() => this.#connection.run('begin immediate', []));
  }

  async commitTransaction(): Promise<void> {
    this.#connection.run('commit', []);
  }

  /** SQLite rolls back by itself on some errors (SQLITE_FULL); a second rollback would hide the real error. */
  async rollbackTransaction(): Promise<void> {
    if (this.#db.inTransaction) this.#connection.run('rollback', []);
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    this.#db.close();
  }
}
