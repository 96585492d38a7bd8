import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

test('defaults', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.databaseUrl, 'sqlite:./data/userplane.db');
  assert.deepEqual(config.adminKeys, []);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.emailChange, 'direct');
});

test('environment and flags (flags win)', () => {
  const config = loadConfig(
    { PORT: '9000', DATABASE_URL: 'postgres://u:p@h/db', USERPLANE_ROLES: 'admin, member', USERPLANE_ADMIN_KEYS: 'sk_test_0123456789abcdef,sk_live_0123456789abcdef', LOG_LEVEL: 'warn' },
    ['--port', '9100'],
  );
  assert.equal(config.port, 9100);
  assert.equal(config.databaseUrl, 'postgres://u:p@h/db');
  assert.deepEqual(config.roles, ['admin', 'member']);
  assert.equal(config.adminKeys.length, 2);
  assert.equal(config.logLevel, 'warn');
});

test('every bad value is named in one readable error, secrets are not echoed', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://root:secretpw@h/db', LOG_LEVEL: 'loud', USERPLANE_ADMIN_KEYS: 'hunter2', USERPLANE_EMAIL_CHANGE: 'maybe' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 5);
      assert.match(error.message, /PORT must be a number/);
      assert.match(error.message, /DATABASE_URL must be sqlite:<path> or postgres/);
      assert.match(error.message, /LOG_LEVEL must be one of/);
      assert.match(error.message, /USERPLANE_ADMIN_KEYS entry 1/);
      assert.doesNotMatch(error.message, /secretpw|hunter2/);
      return true;
    },
  );
});

test('issue 8: database pool, statement timeout and shutdown timeout', () => {
  const defaults = loadConfig({});
  assert.equal(defaults.databasePoolSize, 10);
  assert.equal(defaults.databaseStatementTimeoutMs, 0);
  assert.equal(defaults.shutdownTimeoutMs, 10_000);
  const set = loadConfig({ DATABASE_POOL_SIZE: '25', DATABASE_STATEMENT_TIMEOUT_MS: '30000', USERPLANE_SHUTDOWN_TIMEOUT_MS: '2500' });
  assert.equal(set.databasePoolSize, 25);
  assert.equal(set.databaseStatementTimeoutMs, 30_000);
  assert.equal(set.shutdownTimeoutMs, 2500);
  assert.throws(
    () => loadConfig({ DATABASE_POOL_SIZE: '0', DATABASE_STATEMENT_TIMEOUT_MS: '-5', USERPLANE_SHUTDOWN_TIMEOUT_MS: 'soon' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 3);
      assert.match(error.message, /DATABASE_POOL_SIZE must be a whole number from 1 to 200, got "0"/);
      assert.match(error.message, /DATABASE_STATEMENT_TIMEOUT_MS must be a whole number from 0 to 3600000, got "-5"/);
      assert.match(error.message, /USERPLANE_SHUTDOWN_TIMEOUT_MS must be a whole number from 100 to 600000, got "soon"/);
      return true;
    },
  );
  assert.throws(() => loadConfig({ DATABASE_POOL_SIZE: '201' }), /DATABASE_POOL_SIZE must be a whole number from 1 to 200, got "201"/);
});

test('issue 8: --workers (USERPLANE_WORKERS): auto by default, a bounded whole number, never over in-memory SQLite', () => {
  assert.equal(loadConfig({}).workers, null);
  assert.equal(loadConfig({ USERPLANE_WORKERS: '3' }).workers, 3);
  assert.equal(loadConfig({ USERPLANE_WORKERS: '3' }, ['--workers', '4']).workers, 4);
  assert.equal(loadConfig({}, ['--workers', 'auto']).workers, null);
  for (const bad of ['0', '-1', 'many', '257', '1.5']) {
    assert.throws(() => loadConfig({}, ['--workers', bad]), new RegExp(`USERPLANE_WORKERS \\(--workers\\) must be "auto" or a whole number from 1 to 256, got "${bad.replace('.', '\\.')}"`));
  }
  assert.throws(() => loadConfig({ DATABASE_URL: 'sqlite::memory:' }, ['--workers', '2']), /each process would get its own in-memory SQLite database/);
  assert.equal(loadConfig({ DATABASE_URL: 'sqlite::memory:' }, ['--workers', '1']).workers, 1);
});

test('issue 13: DATABASE_CONNECT_TIMEOUT_MS, 10 s by default, a bounded whole number', () => {
  assert.equal(loadConfig({}).connect.timeoutMs, 10_000);
  assert.equal(loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '2500' }).connect.timeoutMs, 2500);
  assert.throws(() => loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '0' }), /DATABASE_CONNECT_TIMEOUT_MS must be a whole number from 100 to 600000, got "0"/);
});

test('issue 15: USERPLANE_BATCH_BODY_LIMIT, 16 MiB by default, a bounded number of bytes', () => {
  assert.equal(loadConfig({}).batch.bodyLimit, 16 * 1024 * 1024);
  assert.equal(loadConfig({ USERPLANE_BATCH_BODY_LIMIT: '1048576' }).batch.bodyLimit, 1048576);
  for (const bad of ['1000', 'lots', '999999999999']) {
    assert.throws(() => loadConfig({ USERPLANE_BATCH_BODY_LIMIT: bad }), /USERPLANE_BATCH_BODY_LIMIT must be a number of bytes from 1024 to 268435456/);
  }
});
