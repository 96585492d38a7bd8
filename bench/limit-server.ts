/**
 * The two yardsticks `npm run bench` measures PATCH /v1/users/{id} against, each a small Fastify
 * process started like `userplane serve` (the same number of processes, through node:cluster):
 *
 *   bare      PATCH /v1/users/:id parses the JSON body and answers a small JSON object: the HTTP
 *             stack alone (no auth, no database).
 *   ceiling   the same route doing the PATCH's writes with prepared statements and nothing else
 *             (no auth, no planning, no response schema): update the user row (the field, version
 *             + 1, updated_at) and insert its user.updated event, in one transaction. On SQLite it
 *             opens the file as Userplane does (WAL, synchronous NORMAL, secure_delete, the
 *             background checkpointer); on PostgreSQL the two writes are one statement, a named
 *             prepared statement (one round trip; a statement is its own transaction).
 *
 *             The ceiling also answers the two reads `npm run bench` measures, each one prepared
 *             statement in which the database writes each user's JSON (json_object on SQLite,
 *             json_build_object on PostgreSQL) that the route sends as it is: no auth, no mapping,
 *             no serialiser. GET /v1/users/:id (every column of the user) and
 *             GET /v1/users?limit=&after= (a page in id order through the same index as
 *             Userplane's, every column of each user).
 *
 *   ceiling-grouped   (SQLite) the ceiling committing as Userplane's driver does: the requests of
 *             one turn of the event loop in one transaction, a savepoint each, one COMMIT.
 *
 *   node --import tsx bench/limit-server.ts bare|ceiling|ceiling-grouped   (PORT, DATABASE_URL, WORKERS, DATABASE_POOL_SIZE)
 *
 * GET /readyz answers once the route is ready, as Userplane's does.
 */
import cluster from 'node:cluster';
import SqliteDatabase from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { newId } from '../src/domain/ids.ts';
import { SQLITE_CACHE_KIB } from '../src/store/connection.ts';
import { startCheckpointer } from '../src/store/sqlite-checkpointer.ts';
import { USER_COLUMNS } from '../src/store/user-rows.ts';

export type LimitMode = 'bare' | 'ceiling' | 'ceiling-grouped';

/** The fields bench/load.ts patchLoad writes; the ceiling has one statement for each. */
export const PATCHED_FIELDS = ['first_name', 'last_name', 'title', 'location', 'organization'] as const;
type Field = (typeof PATCHED_FIELDS)[number];

const ENVIRONMENT = 'test';

/** Writes one PATCH's change and its event; resolves with the new version (0: no such user). */
type Write = (id: string, field: Field, value: string) => number | Promise<number>;

/** The storage side of the ceiling: the PATCH's writes and the two reads, each prepared once. */
interface Storage {
  write: Write;
  /** The user's row as JSON text, every column; undefined when there is none. */
  read(id: string): string | undefined | Promise<string | undefined>;
  /** Up to `limit` + 1 users after `after` (from the first when null), in id order: each id and its row as JSON text. */
  page(after: string | null, limit: number): Row[] | Promise<Row[]>;
  close(): void | Promise<void>;
}

type Row = { id: string; json: string };

/** The arguments of json_object / json_build_object: every column under its own name. */
const JSON_PAIRS = USER_COLUMNS.map((c) => `'${c}', "${c}"`).join(', ');

function eventValues(id: string, field: Field, value: string, at: string) {
  return {
    id: newId('evt'),
    user_id: id,
    changes: JSON.stringify({ [field]: { previous: null, current: value } }),
    at,
  };
}

/**
 * On SQLite, `grouped` commits the way Userplane's driver does (src/store/sqlite-driver.ts): the
 * writes of the requests of one turn of the event loop in savepoints of one transaction, one
 * COMMIT at the end of the turn, each answer after it.
 */
function sqliteStorage(path: string, grouped: boolean): Storage {
  const db = new SqliteDatabase(path);
  // As src/store/connection.ts opens it: the same durability and erasure settings.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 50');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma('wal_autocheckpoint = 20000');
  db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  const checkpointer = startCheckpointer(path);
  const updates = Object.fromEntries(
    PATCHED_FIELDS.map((f) => [f, db.prepare(`UPDATE users SET ${f} = ?, version = version + 1, updated_at = ? WHERE id = ? AND environment = ? RETURNING version`).pluck()]),
  ) as Record<Field, SqliteDatabase.Statement>;
  const insert = db.prepare(
    `INSERT INTO user_events (id, environment, user_id, type, actor, request_id, door, changes, created_at, snapshot) VALUES (?, '${ENVIRONMENT}', ?, 'user.updated', 'bench', NULL, 'v1', ?, ?, NULL)`,
  );
  const writes = (id: string, field: Field, value: string): number => {
    const at = new Date().toISOString();
    const version = updates[field].get(value, at, id, ENVIRONMENT) as number | undefined;
    if (version === undefined) return 0;
    const e = eventValues(id, field, value, at);
    insert.run(e.id, e.user_id, e.changes, e.at);
    return version;
  };
  const close = () => {
    checkpointer.stop();
    db.close();
  };
  const byId = db.prepare(`SELECT json_object(${JSON_PAIRS}) FROM users WHERE id = ? AND environment = '${ENVIRONMENT}'`).pluck();
  const first = db.prepare(`SELECT id, json_object(${JSON_PAIRS}) AS json FROM users WHERE environment = '${ENVIRONMENT}' ORDER BY id LIMIT ?`);
  const after = db.prepare(`SELECT id, json_object(${JSON_PAIRS}) AS json FROM users WHERE environment = '${ENVIRONMENT}' AND id > ? ORDER BY id LIMIT ?`);
  const reads = {
    read: (id: string) => byId.get(id) as string | undefined,
    page: (from: string | null, limit: number) => (from === null ? first.all(limit + 1) : after.all(from, limit + 1)) as Row[],
  };
  if (!grouped) {
    const write = db.transaction(writes).immediate;
    return { write: (id, field, value) => write(id, field, value), ...reads, close };
  }
  const [begin, commit, savepoint, release, rollbackTo] = ['BEGIN IMMEDIATE', 'COMMIT', 'SAVEPOINT one', 'RELEASE one', 'ROLLBACK TO one'].map((text) => db.prepare(text));
  let waiting: Array<() => void> = [];
  const flush = () => {
    commit!.run();
    const done = waiting;
    waiting = [];
    for (const answer of done) answer();
  };
  return {
    write(id, field, value) {
      if (waiting.length === 0) {
        begin!.run();
        setImmediate(flush);
      }
      savepoint!.run();
      let version: number;
      try {
        version = writes(id, field, value);
        release!.run();
      } catch (error) {
        rollbackTo!.run();
        release!.run();
        throw error;
      }
      return new Promise<number>((resolve) => waiting.push(() => resolve(version)));
    },
    ...reads,
    close,
  };
}

function postgresStorage(url: string, poolSize: number): Storage {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', () => {});
  const texts = Object.fromEntries(
    PATCHED_FIELDS.map((f) => [
      f,
      `WITH u AS (UPDATE users SET ${f} = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND environment = '${ENVIRONMENT}' RETURNING id, version), ` +
        `e AS (INSERT INTO user_events (id, environment, user_id, type, actor, request_id, door, changes, created_at, snapshot) ` +
        `SELECT $4, '${ENVIRONMENT}', u.id, 'user.updated', 'bench', NULL, 'v1', $5, $2, NULL FROM u) SELECT version FROM u`,
    ]),
  ) as Record<Field, string>;
  return {
    async write(id, field, value) {
      const at = new Date().toISOString();
      const e = eventValues(id, field, value, at);
      const { rows } = await pool.query<{ version: number }>({ name: `ceiling_${field}`, text: texts[field], values: [value, at, id, e.id, e.changes] });
      return rows[0]?.version ?? 0;
    },
    // ::text: pg would otherwise parse the json it receives.
    async read(id) {
      const { rows } = await pool.query<Row>({ name: 'ceiling_read', text: `SELECT json_build_object(${JSON_PAIRS})::text AS json FROM users WHERE id = $1 AND environment = '${ENVIRONMENT}'`, values: [id] });
      return rows[0]?.json;
    },
    async page(after, limit) {
      const select = `SELECT id, json_build_object(${JSON_PAIRS})::text AS json FROM users WHERE environment = '${ENVIRONMENT}'`;
      const { rows } =
        after === null
          ? await pool.query<Row>({ name: 'ceiling_first', text: `${select} ORDER BY id LIMIT $1`, values: [limit + 1] })
          : await pool.query<Row>({ name: 'ceiling_page', text: `${select} AND id > $1 ORDER BY id LIMIT $2`, values: [after, limit + 1] });
      return rows;
    },
    close: () => pool.end(),
  };
}

async function serve(mode: LimitMode): Promise<void> {
  const port = Number(process.env.PORT);
  const url = process.env.DATABASE_URL ?? '';
  const storage =
    mode === 'bare'
      ? null
      : url.startsWith('sqlite:')
        ? sqliteStorage(url.slice('sqlite:'.length), mode === 'ceiling-grouped')
        : postgresStorage(url, Number(process.env.DATABASE_POOL_SIZE || 10));
  const app = Fastify({ logger: false });
  app.get('/readyz', async () => ({ status: 'ready' }));
  app.patch<{ Params: { id: string }; Body: Record<string, unknown> }>('/v1/users/:id', async (request, reply) => {
    const [field, value] = Object.entries(request.body ?? {})[0] ?? [];
    if (!PATCHED_FIELDS.includes(field as Field) || typeof value !== 'string') return reply.code(400).send({ error: 'one of the bench fields, as a string' });
    if (!storage) return { id: request.params.id, object: 'user' };
    const version = await storage.write(request.params.id, field as Field, value);
    if (version === 0) return reply.code(404).send({ error: 'not_found' });
    return { id: request.params.id, object: 'user', version };
  });
  if (storage) {
    app.get<{ Params: { id: string } }>('/v1/users/:id', async (request, reply) => {
      const json = await storage.read(request.params.id);
      return json === undefined ? reply.code(404).send({ error: 'not_found' }) : reply.type('application/json').send(json);
    });
    app.get<{ Querystring: { limit?: string; after?: string } }>('/v1/users', async (request, reply) => {
      const limit = Math.min(100, Math.max(1, Number(request.query.limit) || 10));
      const rows = await storage.page(request.query.after ?? null, limit);
      const data = rows.slice(0, limit);
      // Userplane's list shape (src/http/v1/cursors.ts).
      const more = rows.length > limit;
      const next = more ? JSON.stringify(data.at(-1)!.id) : 'null';
      return reply.type('application/json').send(`{"object":"list","data":[${data.map((r) => r.json).join(',')}],"has_more":${more},"next_cursor":${next}}`);
    });
  }
  await app.listen({ port, host: '127.0.0.1' });
  process.once('SIGTERM', () => {
    void app.close().then(async () => {
      await storage?.close();
      process.exit(0);
    });
  });
}

const mode = process.argv[2];
if (mode !== 'bare' && mode !== 'ceiling' && mode !== 'ceiling-grouped') throw new Error('usage: limit-server.ts bare|ceiling|ceiling-grouped');
const workers = Number(process.env.WORKERS || 1);
if (cluster.isPrimary && workers > 1) {
  // As `serve --workers N`: a primary that forks N listening workers and only supervises.
  for (let i = 0; i < workers; i++) cluster.fork();
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
} else {
  await serve(mode);
}
