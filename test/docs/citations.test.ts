/**
 * Issue 13, item 7: the docs cite nothing that is not in the repository. Relative links resolve,
 * `#anchors` name a heading of the page, repository paths in backticks exist (or are generated and
 * git-ignored, like console/dist), and nothing points outside the repository.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { documentationFiles } from './examples.ts';
import { ROOT } from './settings.ts';

const pages = documentationFiles().map((path) => ({ path, name: relative(ROOT, path), text: readFileSync(path, 'utf8') }));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(text: string): Set<string> {
  const slugs = new Set<string>();
  for (const [, heading] of text.matchAll(/^#{1,6} +(.+)$/gm)) {
    slugs.add(heading!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return slugs;
}

const ignored = (path: string) => spawnSync('git', ['check-ignore', '-q', path], { cwd: ROOT }).status === 0;

test('relative links resolve to files of the repository and anchors to headings', () => {
  for (const page of pages) {
    for (const [, target] of page.text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path === '' ? page.path : join(dirname(page.path), path);
      assert.ok(existsSync(file), `${page.name} links to ${target}, which is not in the repository`);
      assert.ok(relative(ROOT, file) !== '' && !relative(ROOT, file).startsWith('..'), `${page.name} links outside the repository: ${target}`);
      if (anchor && file.endsWith('.md')) assert.ok(anchors(readFileSync(file, 'utf8')).has(anchor), `${page.name} links to #${anchor}, no heading of ${relative(ROOT, file)}`);
    }
  }
});

test('repository paths named in backticks exist, or are generated (git-ignored)', () => {
  for (const page of pages) {
    for (const [, path] of page.text.matchAll(/`((?:src|test|deploy|docs|scripts|console|bench|bin|\.ci)\/[^`\s*…]*)`/g)) {
      assert.ok(existsSync(join(ROOT, path!)) || ignored(path!), `${page.name} names ${path}, which is not in the repository`);
    }
  }
});

test('nothing is cited from outside the repository', () => {
  for (const page of pages) {
    assert.doesNotMatch(page.text, /\.\.\/shared|\bshared\/seeds\b/, `${page.name} points at ../shared`);
    assert.doesNotMatch(page.text, /\b\d{3}_[0-9a-f]{16}\.txt\b/, `${page.name} cites a seed file, which is not in the repository`);
    assert.doesNotMatch(page.text, /`contracts\//, `${page.name} cites contracts/, which is not in the repository`);
  }
});
