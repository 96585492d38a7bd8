/**
 * Issue 13, item 7: the README's table of settings is checked against the code that reads them, so
 * no setting is missing from it (OAUTH_CLOCK_TOLERANCE_SECONDS was) and none it lists is unknown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envReadsIn, ROOT, settingsInReadme, settingsReadByCode } from './settings.ts';

test('the extraction finds settings however config.ts reads them', () => {
  const read = settingsReadByCode();
  // read('port', 'PORT'), wholeNumber(env, problems, 'DATABASE_POOL_SIZE', …), env.OAUTH_CLOCK_TOLERANCE_SECONDS, number('USERPLANE_WEBHOOK_POLL_MS', …)
  for (const name of ['PORT', 'HOST', 'DATABASE_POOL_SIZE', 'OAUTH_CLOCK_TOLERANCE_SECONDS', 'USERPLANE_WEBHOOK_POLL_MS', 'SMTP_URL']) {
    assert.ok(read.has(name), `${name} is found in src/config.ts`);
  }
  const table = settingsInReadme('| variable | default | meaning |\n|---|---|---|\n| `A_B` (`--a`), `C_D` | `1` | x |\n| `E_*` | – | y |\n\n| `F_G` | | |\n');
  assert.deepEqual([...table], ['A_B', 'C_D']);
});

test('a helper reading its own settings is found whatever it calls the environment', () => {
  const dir = join(ROOT, '.tmp', `settings-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'fixture.ts');
  writeFileSync(
    file,
    `declare function wholeNumber(env: NodeJS.ProcessEnv, problems: string[], name: string): number;
export function readHelper(environment: NodeJS.ProcessEnv, problems: string[]) {
  const { A_ONE, 'B_TWO': b } = environment;
  return [A_ONE, b, environment.C_THREE?.trim(), environment['D_FOUR'], wholeNumber(environment, problems, 'E_FIVE'), 'not_a_setting'];
}
`,
  );
  try {
    assert.deepEqual([...envReadsIn(file)].sort(), ['A_ONE', 'B_TWO', 'C_THREE', 'D_FOUR', 'E_FIVE']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every setting the code reads is in a README settings table, and the tables name no other', () => {
  const read = settingsReadByCode();
  const documented = settingsInReadme();
  const missing = [...read].filter((name) => !documented.has(name)).sort();
  const unknown = [...documented].filter((name) => !read.has(name)).sort();
  assert.deepEqual(missing, [], `settings read by src/config.ts but missing from README.md's "| variable | default | meaning |" tables: ${missing.join(', ')}`);
  assert.deepEqual(unknown, [], `README.md documents settings no code reads: ${unknown.join(', ')}`);
});
