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
import { rowMaker, type RowMaker } from './row-maker.ts';

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

/**
 * Whether a statement's columns may follow the schema: any `*` but `count(*)`'s. A `*` that is a
 * multiplication counts too, which costs only a check it did not need.
 */
function mayReturnStar(sql: string): boolean {
  return /\*(?!\s*\))/.test(sql);
}

class SqliteConnection {
  /** Per statement: its column names when the maker was made, and the maker. Cleared when the schema changes. */
  #makers = new WeakMap<SqliteDatabase.Statement, { names: number; make: RowMaker | null; star: boolean }>();
  #schemaVersion: number | undefined;

  constructor(private readonly db: SqliteHandle) {}

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

}

/** What was thrown, as an Error: the transactions of a group that failed are rejected with it. */
function failure(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One taking of the connection: what Kysely holds between acquireConnection and releaseConnection.
 * A transaction's taking lets the connection go when its work is done (see commitTransaction),
 * before Kysely's own release, so each taking is its own object; they are reused.
 */
class Taking implements DatabaseConnection {
  /** Inside a transaction of this taking (between begin and commit or rollback). */
  inTransaction = false;
  /** The connection was let go at commit; Kysely's release (and its rollback, if the commit fails) must not touch it again. */
  letGo = false;

  constructor(private readonly driver: LockWaitingSqliteDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute(this, query) as Promise<QueryResult<R>>;
  }

  // eslint-disable-next-line require-yield
  async *streamQuery(): AsyncIterableIterator<QueryResult<never>> {
    throw new Error('streaming is not used with SQLite');
  }
}

export interface CommitStats {
  /** Transactions made durable. */
  transactions: number;
  /** COMMIT statements that did it: fewer than the transactions when they were grouped. */
  commits: number;
}

/** Transactions committed by one COMMIT (see LockWaitingSqliteDriver). */
interface CommitGroup {
  members: Array<{ resolve(): void; reject(error: Error): void }>;
}

/** At most this many transactions share a COMMIT: the rest start the next group. */
export const MAX_GROUP = 64;

/**
 * Group commit. A transaction's COMMIT writes every page it changed to the WAL, a few system calls
 * each: on a small machine more than the transaction's own statements. Transactions that end in
 * the same turn of the event loop (requests that arrived together) therefore share one COMMIT:
 * the first opens the SQLite transaction (BEGIN IMMEDIATE), each runs inside it in a savepoint of
 * its own (so a failing one rolls back alone, and takes nothing else with it), and the COMMIT comes
 * once the turn is over (setImmediate), or earlier when a statement outside a transaction needs
 * the connection, or after MAX_GROUP transactions.
 *
 * Nothing is reported done before it is durable: a transaction's commit resolves only after the
 * COMMIT that contains it, and if that COMMIT fails every transaction in it fails with its error
 * and none of them wrote anything. No one reads what is not committed: a read outside a
 * transaction commits the open group first, other processes see only committed data, and the
 * transactions of one group run one after the other, as they did with a COMMIT each. (A deferred
 * foreign key, checked at COMMIT, would fail the whole group; the schema has none.)
 */
export class LockWaitingSqliteDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #db: SqliteHandle;
  readonly #waiter: LockWaiter;
  readonly #connection: SqliteConnection;
  readonly #free: Taking[] = [];
  #group: CommitGroup | null = null;
  #flushScheduled = false;
  /** Transactions committed and COMMIT statements run, for tests and metrics. */
  readonly stats: CommitStats = { transactions: 0, commits: 0 };

  constructor(db: SqliteHandle, lockTimeoutMs: number) {
    this.#db = db;
    this.#waiter = new LockWaiter(this.#mutex, lockTimeoutMs);
    this.#connection = new SqliteConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: queries take turns.
    await this.#mutex.lock();
    this.#connection.taken();
    const taking = this.#free.pop() ?? new Taking(this);
    taking.inTransaction = false;
    taking.letGo = false;
    return taking;
  }

  /** A statement of `taking` (the connection is its own while it runs). */
  async execute(taking: Taking, query: CompiledQuery): Promise<QueryResult<unknown>> {
    // Inside a transaction the write lock is already ours (BEGIN IMMEDIATE).
    if (taking.inTransaction) return this.#inGroup(() => this.#connection.run(query.sql, query.parameters));
    // A statement on its own must see (and write) only what is committed: the open group goes first.
    this.#flush();
    return this.#waiter.retry(() => this.#connection.run(query.sql, query.parameters));
  }

  /** Runs `statement` in the open group; if SQLite rolled the whole transaction back on its error, the group failed with it. */
  #inGroup<T>(statement: () => T): T {
    try {
      return statement();
    } catch (error) {
      if (this.#group && !this.#db.inTransaction) this.#fail(failure(error));
      throw error;
    }
  }

  /** BEGIN IMMEDIATE takes the write lock up front, so no statement inside the transaction waits for it. */
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const taking = connection as Taking;
    await this.#waiter.retry(() => {
      // While this waited for the file lock (the connection let go between tries), another transaction may have opened a group.
      if (!this.#group) {
        this.#connection.run('begin immediate', []);
        this.#group = { members: [] };
      }
      this.#inGroup(() => this.#connection.run('savepoint userplane_group', []));
    });
    taking.inTransaction = true;
  }

  /**
   * The transaction's work is kept (its savepoint released into the group) and the connection is
   * let go at once, so the next transaction joins the group; this resolves once the group's COMMIT
   * has made it durable.
   */
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const taking = connection as Taking;
    const group = this.#group;
    // SQLite rolled it back after an error the caller chose to go on from: nothing is left to commit.
    if (!group || !this.#db.inTransaction) throw new Error('The transaction was rolled back by SQLite after an error');
    this.#inGroup(() => this.#connection.run('release userplane_group', []));
    taking.inTransaction = false;
    const done = new Promise<void>((resolve, reject) => group.members.push({ resolve, reject }));
    if (group.members.length >= MAX_GROUP) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => void this.#flushWhenFree());
    }
    taking.letGo = true;
    this.#mutex.unlock();
    await done;
  }

  /** SQLite rolls back by itself on some errors (SQLITE_FULL); a second rollback would hide the real error. */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const taking = connection as Taking;
    // Its group's COMMIT failed after the connection was let go: there is nothing of it left to undo.
    if (taking.letGo) return;
    taking.inTransaction = false;
    if (!this.#db.inTransaction) {
      if (this.#group) this.#fail(new Error('SQLite rolled the transaction back by itself'));
      return;
    }
    if (this.#group && this.#group.members.length === 0) {
      // Alone in its group: the whole transaction goes, and the write lock with it.
      this.#group = null;
      this.#connection.run('rollback', []);
      return;
    }
    this.#inGroup(() => {
      this.#connection.run('rollback to userplane_group', []);
      this.#connection.run('release userplane_group', []);
    });
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const taking = connection as Taking;
    if (!taking.letGo) this.#mutex.unlock();
    this.#free.push(taking);
  }

  /** At the end of the turn: the group is committed once no transaction is running in it. */
  async #flushWhenFree(): Promise<void> {
    this.#flushScheduled = false;
    if (!this.#group) return;
    await this.#mutex.lock();
    try {
      this.#flush();
    } finally {
      this.#mutex.unlock();
    }
  }

  /** COMMIT of the open group (the caller holds the connection, between transactions). */
  #flush(): void {
    const group = this.#group;
    if (!group) return;
    this.#group = null;
    try {
      this.#connection.run('commit', []);
    } catch (error) {
      if (this.#db.inTransaction) {
        try {
          this.#connection.run('rollback', []);
        } catch {
          // The COMMIT's error is the one to report.
        }
      }
      for (const member of group.members) member.reject(failure(error));
      return;
    }
    this.stats.commits++;
    this.stats.transactions += group.members.length;
    for (const member of group.members) member.resolve();
  }

  /** SQLite rolled the open transaction back: every transaction of the group is lost with it. */
  #fail(error: Error): void {
    const group = this.#group!;
    this.#group = null;
    for (const member of group.members) member.reject(error);
  }

  async destroy(): Promise<void> {
    await this.#mutex.lock();
    try {
      this.#flush();
    } finally {
      this.#mutex.unlock();
    }
    this.#db.close();
  }
}
