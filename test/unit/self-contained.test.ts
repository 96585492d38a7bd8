/**
 * Issue 13, item 1: `npm test` passes on a fresh clone and nothing else, so no test names a file
 * outside the repository. Every path a test builds from its own location must stay inside it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TEST_DIR = join(ROOT, 'test');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** The paths a file builds from where it is: join(import.meta.dirname, 'a', …) and new URL('…', import.meta.url). */
function pathsBuilt(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const here = dirname(file);
  const out: string[] = [];
  for (const [, args] of text.matchAll(/join\(import\.meta\.dirname((?:\s*,\s*'[^']*')*)/g)) {
    out.push(join(here, ...[...args!.matchAll(/'([^']*)'/g)].map((m) => m[1]!)));
  }
  for (const [, target] of text.matchAll(/new URL\('([^']+)',\s*import\.meta\.url\)/g)) out.push(resolve(here, target!));
  return out;
}

test('no test builds a path outside the repository, nor names the seeds beside it', () => {
  const outside: string[] = [];
  for (const file of sources(TEST_DIR)) {
    const name = relative(ROOT, file);
    for (const path of pathsBuilt(file)) if (path !== ROOT && !path.startsWith(ROOT + sep)) outside.push(`${name}: ${path}`);
    // This file names them only to look for them.
    if (file !== import.meta.filename && /shared\/seeds|\/work\//.test(readFileSync(file, 'utf8'))) outside.push(`${name}: names shared/seeds or /work/`);
  }
  assert.deepEqual(outside, []);
});
