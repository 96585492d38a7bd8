/**
 * The code examples of README.md and docs/, as the examples test runs them.
 *
 * Conventions (README "Examples in this document run"):
 * - ```sh, ```bash and ```shell blocks are shell examples; ```ts blocks are TypeScript examples.
 *   Both run, in document order, in one shell session (README.md first, then docs/ by path),
 *   so a variable set by one block (USERPLANE_KEY, USER_ID) is there for the next.
 * - A block that cannot run in a test (a long-running server, Docker, a mailed code) is preceded
 *   by `<!-- not-run: why -->` on the line before its fence.
 * - Examples use the default port 8080 and the first-start key `sk_test_…` as printed; the test
 *   runs its own server on a free port and puts that port and its printed key in their place.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './settings.ts';

export interface Example {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  language: 'sh' | 'ts';
  code: string;
  /** The reason given by `<!-- not-run: … -->`, or null when the block runs. */
  notRun: string | null;
}

const LANGUAGES: Record<string, Example['language']> = { sh: 'sh', bash: 'sh', shell: 'sh', ts: 'ts', typescript: 'ts' };

/** README.md, then every Markdown file under docs/ in path order. */
export function documentationFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : name.endsWith('.md') ? [path] : [];
      });
  return [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'))];
}

export function examplesOf(path: string, text = readFileSync(path, 'utf8')): Example[] {
  const lines = text.split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const language = LANGUAGES[open[1]!];
    if (language) {
      let before = i - 1;
      while (before >= 0 && lines[before]!.trim() === '') before--;
      const marker = before >= 0 ? /^<!--\s*not-run:(.*)-->\s*$/.exec(lines[before]!) : null;
      examples.push({
        file: relative(ROOT, path),
        line: i + 1,
        language,
        code: lines.slice(i + 1, end).join('\n'),
        notRun: marker ? marker[1]!.trim() : null,
      });
    }
    i = end;
  }
  return examples;
}

/** What the test changes in a block before running it: the port, and the placeholder keys. */
export function substitute(code: string, port: number, keys: { test: string; live: string }): string {
  return code
    .replace(/\b8080\b/g, String(port))
    .replaceAll('sk_test_…', keys.test)
    .replaceAll('sk_live_…', keys.live);
}
