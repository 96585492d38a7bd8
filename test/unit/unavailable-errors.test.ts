/** Issue 8: database failures of every shape become 503 `unavailable`; other errors stay what they are. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnavailableError } from '../../src/domain/errors.ts';
import { toDomainError } from '../../src/http/errors.ts';

const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

test('connection failures, server restarts and statement timeouts are unavailable', () => {
  const cases: unknown[] = [
    new Error('Connection terminated unexpectedly'), // pg: the server went away mid-query, no code
    new Error('Connection terminated due to connection timeout'),
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('timeout exceeded when trying to connect'), // pg-pool: no connection to be had
    withCode('ECONNREFUSED'),
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('57P03', 'the database system is starting up'),
    withCode('08006'),
    withCode('53300', 'sorry, too many clients already'),
    withCode('57014', 'canceling statement due to statement timeout'),
    withCode('SQLITE_BUSY'),
    new Error('wrapped', { cause: withCode('ECONNRESET') }),
    new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed on ::1 and 127.0.0.1'),
  ];
  for (const error of cases) assert.ok(toDomainError(error) instanceof UnavailableError, String((error as Error).message));
});

test('errors of the request itself are not mistaken for an outage', () => {
  for (const error of [new Error('Cannot read properties of undefined'), withCode('23505', 'duplicate key'), withCode('42P01', 'relation does not exist')]) {
    assert.equal(toDomainError(error), null, (error as Error).message);
  }
});
