/**
 * Issue 13, item 3: opening a PostgreSQL connection fails within DATABASE_CONNECT_TIMEOUT_MS with
 * one line naming host and port, and the error still reads as "database away" to the doors.
 * In-process, against local sockets only: a server that accepts and never answers, a closed port.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { sql } from 'kysely';
import { UnavailableError } from '../../src/domain/errors.ts';
import { toDomainError } from '../../src/http/errors.ts';
import { openConnection, postgresAddress } from '../../src/store/connection.ts';

test('a server that accepts and never answers: the connect timeout, naming host and port', async () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => void sockets.add(socket.on('error', () => {})));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const { db } = openConnection(`postgres://app:pw@127.0.0.1:${port}/app`, { connectTimeoutMs: 300 });
  try {
    const error = await sql`select 1`.execute(db).then(
      () => assert.fail('connected to a server that never answers'),
      (e: Error) => e,
    );
    assert.equal(error.message, `cannot reach PostgreSQL at 127.0.0.1:${port} within 0.3 s (DATABASE_CONNECT_TIMEOUT_MS)`);
    assert.ok(toDomainError(error) instanceof UnavailableError, 'a request meeting it is answered 503');
  } finally {
    await db.destroy();
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});

test('a closed port: connection refused, naming host and port', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const { db } = openConnection(`postgres://app@127.0.0.1:${port}/app`);
  try {
    await assert.rejects(sql`select 1`.execute(db), (error: Error & { code?: string }) => {
      assert.equal(error.message, `cannot reach PostgreSQL at 127.0.0.1:${port}: connection refused (is PostgreSQL running and listening there?)`);
      assert.equal(error.code, 'ECONNREFUSED');
      return true;
    });
  } finally {
    await db.destroy();
  }
});

/** A server on 127.0.0.1 that answers any startup message with PostgreSQL's ErrorResponse (code, message). */
async function refusingServer(code: string, message: string) {
  const field = (type: string, value: string) => Buffer.concat([Buffer.from(type), Buffer.from(value), Buffer.from([0])]);
  const fields = Buffer.concat([field('S', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(fields.length + 4);
  const errorResponse = Buffer.concat([Buffer.from('E'), length, fields]);
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(errorResponse));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('what the server refuses is one line naming it, with the server and the SQLSTATE kept', async () => {
  const server = await refusingServer('3D000', 'database "shop" does not exist');
  const { db } = openConnection(`postgres://app@127.0.0.1:${server.port}/shop`);
  try {
    await assert.rejects(sql`select 1`.execute(db), (error: Error & { code?: string }) => {
      assert.equal(error.message, `PostgreSQL at 127.0.0.1:${server.port}: database "shop" does not exist`);
      assert.equal(error.code, '3D000');
      return true;
    });
  } finally {
    await db.destroy();
    await server.close();
  }
});

test('pgbouncer refusing statement_timeout: where to put the timeout instead, and its own words, on one line', async () => {
  const server = await refusingServer('08P01', 'unsupported startup parameter: statement_timeout');
  const { db } = openConnection(`postgres://app@127.0.0.1:${server.port}/shop`, { statementTimeoutMs: 30_000 });
  try {
    await assert.rejects(sql`select 1`.execute(db), (error: Error) => {
      assert.doesNotMatch(error.message, /\n/);
      assert.match(error.message, /refused the statement_timeout that DATABASE_STATEMENT_TIMEOUT_MS=30000 sends/);
      assert.match(error.message, /ALTER ROLE "app" SET statement_timeout = 30000 \(the server said: unsupported startup parameter: statement_timeout\)$/);
      return true;
    });
  } finally {
    await db.destroy();
    await server.close();
  }
});

test('the address named is the one the URL gives, libpq defaults included', () => {
  assert.equal(postgresAddress('postgres://u:p@db.internal:6432/app'), 'db.internal:6432');
  assert.equal(postgresAddress('postgres://u@db.internal/app'), 'db.internal:5432');
  assert.equal(postgresAddress('postgresql://u@/app?host=/var/run/postgresql'), '/var/run/postgresql:5432');
});
