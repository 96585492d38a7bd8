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
