/**
 * bin/userplane.js runs the bundle scripts/build-server.js made (dist/cli/userplane.mjs) while the
 * sources it was built from are unchanged, and the TypeScript sources through tsx as soon as one
 * of them changes: a faster start, never stale code. Checked on a copy of the repository, so the
 * checkout's own bundle (which other suites' processes run) is never rebuilt under them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('bin/userplane.js and the bundle', () => {
  let copy = '';
  const run = (...args: string[]) => spawnSync(process.execPath, [join(copy, 'bin/userplane.js'), ...args], { cwd: copy, encoding: 'utf8', timeout: 60_000 });

  before(() => {
    copy = mkdtempSync(join(tmpdir(), 'userplane-bundle-'));
    for (const path of ['bin', 'src', 'scripts', 'package.json']) cpSync(join(ROOT, path), join(copy, path), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    mkdirSync(join(copy, 'console'));
    const built = spawnSync(process.execPath, [join(copy, 'scripts/build-server.js')], { cwd: copy, encoding: 'utf8', timeout: 60_000 });
    assert.equal(built.status, 0, built.stderr);
    // A mark the sources do not have, to tell which of the two ran.
    const bundle = join(copy, 'dist/cli/userplane.mjs');
    writeFileSync(bundle, `process.stderr.write('[ran the bundle]\\n');\n${readFileSync(bundle, 'utf8')}`);
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  test('with the sources as built, the bundle runs', () => {
    const result = run('--version');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
    assert.match(result.stderr, /\[ran the bundle\]/);
  });

  test('once a source changes, the sources run through tsx, with the change', () => {
    appendFileSync(join(copy, 'src/cli/main.ts'), "\nprocess.stderr.write('[ran the sources]\\n');\n");
    const result = run('--version');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
    assert.doesNotMatch(result.stderr, /\[ran the bundle\]/);
    assert.match(result.stderr, /\[ran the sources\]/);
  });

  test('a bundle without its list of sources is never run', () => {
    rmSync(join(copy, 'dist/cli/inputs.json'));
    const result = run('--version');
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /\[ran the bundle\]/);
  });
});
