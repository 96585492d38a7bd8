/**
 * Issue 13, item 7: the README's table of settings is checked against the code that reads them, so
 * no setting is missing from it (OAUTH_CLOCK_TOLERANCE_SECONDS was) and none it lists is unknown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settingsInReadme, settingsReadByCode } from './settings.ts';

test('the extraction finds settings however config.ts reads them', () => {
  const read = settingsReadByCode();
  // read('port', 'PORT'), wholeNumber(env, problems, 'DATABASE_POOL_SIZE', …), env.OAUTH_CLOCK_TOLERANCE_SECONDS, number('USERPLANE_WEBHOOK_POLL_MS', …)
  for (const name of ['PORT', 'HOST', 'DATABASE_POOL_SIZE', 'OAUTH_CLOCK_TOLERANCE_SECONDS', 'USERPLANE_WEBHOOK_POLL_MS', 'SMTP_URL']) {
    assert.ok(read.has(name), `${name} is found in src/config.ts`);
  }
  const table = settingsInReadme('| variable | default | meaning |\n|---|---|---|\n| `A_B` (`--a`), `C_D` | `1` | x |\n| `E_*` | – | y |\n\n| `F_G` | | |\n');
  assert.deepEqual([...table], ['A_B', 'C_D']);
});

test('every setting the code reads is in a README settings table, and the tables name no other', () => {
  const read = settingsReadByCode();
  const documented = settingsInReadme();
  const missing = [...read].filter((name) => !documented.has(name)).sort();
  const unknown = [...documented].filter((name) => !read.has(name)).sort();
  assert.deepEqual(missing, [], `settings read by src/config.ts but missing from README.md's "| variable | default | meaning |" tables: ${missing.join(', ')}`);
  assert.deepEqual(unknown, [], `README.md documents settings no code reads: ${unknown.join(', ')}`);
});
