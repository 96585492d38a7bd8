/**
 * Issue 13, item 7: every example in README.md and docs/ runs as written on a fresh store. The
 * shell and TypeScript blocks run in document order in one bash session (`set -euo pipefail`)
 * against a live `userplane serve` on a fresh SQLite file; conventions in ./examples.ts.
 * SHOW_EXAMPLES=1 prints what the examples printed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { killHard, startServe, type ServeProcess } from '../helpers/processes.ts';
import { documentationFiles, examplesOf, substitute, type Example } from './examples.ts';
import { ROOT } from './settings.ts';

const examples = documentationFiles().flatMap((file) => examplesOf(file));
const where = (example: Example) => `${example.file}:${example.line}`;
const has = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
const MISSING = ['bash', 'curl'].filter((command) => !has(command));
if (MISSING.length > 0 && !process.env.CI) console.log(`# README examples skipped: ${MISSING.join(' and ')} not installed (under CI they fail instead)`);

test('the README opens with the two commands, then the five commands of the quick start', () => {
  const readme = examplesOf(join(ROOT, 'README.md'));
  assert.match(readme[0]!.code, /^npm ci && npm start\b.*\nnpm test\b/);
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const quickStart = text.slice(text.indexOf('## Five commands'), text.indexOf('\n## ', text.indexOf('## Five commands') + 1));
  const commands = examplesOf('README.md', quickStart).slice(0, 5).map((example) => example.code);
  assert.match(commands[0]!, /npm start/);
  assert.match(commands[1]!, /^export USERPLANE_KEY=sk_test_…/);
  assert.match(commands[2]!, /-X POST http:\/\/127\.0\.0\.1:8080\/v1\/users /);
  assert.match(commands[3]!, /-X PATCH [^\n]*\/v1\/users\/\$USER_ID[\s\S]*If-Match: "1"/);
  assert.match(commands[4]!, /\/v1\/users\/\$USER_ID\/events/);
});

test('every example sends the one key variable, USERPLANE_KEY (or the publishable key it creates)', () => {
  for (const example of examples) {
    for (const [, credential] of example.code.matchAll(/Authorization: (?:Bearer|Token) ([^'"\s]+)/g)) {
      assert.ok(['$USERPLANE_KEY', '$PUBLISHABLE_KEY'].includes(credential!), `${where(example)} sends ${credential}: use $USERPLANE_KEY`);
    }
    assert.doesNotMatch(example.code, /\$(KEY|ADMIN_KEY|API_KEY|ID)\b/, `${where(example)} uses a variable no example defines`);
  }
});

test('blocks left out of the run say why, and are few', () => {
  const skipped = examples.filter((example) => example.notRun !== null);
  for (const example of skipped) assert.ok(example.notRun!.length >= 10, `${where(example)}: <!-- not-run: … --> needs a reason`);
  assert.ok(skipped.length <= Math.ceil(examples.length / 4), `${skipped.length} of ${examples.length} examples are not run`);
  for (const example of skipped) console.log(`# not run: ${where(example)} (${example.notRun})`);
});

let server: ServeProcess | null = null;
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'userplane-docs-'));
});

after(async () => {
  if (server) await killHard(server);
  rmSync(dir, { recursive: true, force: true });
});

test('every shell and TypeScript example runs against a fresh server', { skip: MISSING.length > 0 && !process.env.CI ? `${MISSING.join(', ')} missing` : false }, async () => {
  assert.deepEqual(MISSING, [], 'CI must run the README examples: install bash and curl');
  const database = `sqlite:${join(dir, 'userplane.db')}`;
  server = startServe({ DATABASE_URL: database });
  const base = await server.ready;
  const port = Number(new URL(base).port);
  const keys = {
    test: (await server.waitFor(/^ {2}test {2}(sk_test_\S+)$/m))[1]!,
    live: (await server.waitFor(/^ {2}live {2}(sk_live_\S+)$/m))[1]!,
  };

  // TypeScript blocks are files inside the repository, so that their imports resolve as a reader's would.
  const scripts = join(ROOT, '.tmp', `docs-examples-${process.pid}`);
  mkdirSync(scripts, { recursive: true });
  const run = examples.filter((example) => example.notRun === null);
  const lines = [
    'set -euo pipefail',
    'exec 2>&1',
    // An example answered with an HTTP error did not run: curl fails on it, showing the body.
    'curl() { command curl --fail-with-body --show-error "$@"; }',
  ];
  run.forEach((example, index) => {
    lines.push(`printf '\\n=== example ${index} ===\\n'`);
    const code = substitute(example.code, port, keys);
    if (example.language === 'sh') lines.push(code);
    else {
      const file = join(scripts, `example-${index}.ts`);
      writeFileSync(file, code);
      lines.push(`${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(file)}`);
    }
  });
  lines.push(`printf '\\n=== done ===\\n'`);

  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database };
  delete env.USERPLANE_KEY;
  delete env.USER_ID;
  try {
    const { code, output } = await runBash(lines.join('\n'), env, 240_000);
    if (process.env.SHOW_EXAMPLES) console.log(output.replace(/^/gm, '# '));
    if (code !== 0 || !output.includes('=== done ===')) {
      const marks = [...output.matchAll(/=== example (\d+) ===\n/g)];
      const last = marks.at(-1);
      const failed = last ? run[Number(last[1])]! : null;
      assert.fail(
        failed
          ? `the example at ${where(failed)} failed (bash exit ${code}):\n${failed.code}\n--- its output ---\n${output.slice(last!.index! + last![0].length)}\n--- server output (tail) ---\n${server.output().slice(-3000)}`
          : `bash exited ${code} before the first example:\n${output}`,
      );
    }
  } finally {
    rmSync(scripts, { recursive: true, force: true });
  }
});

function runBash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // Its own process group, so that a timeout also ends what an example started (a server would
    // otherwise hold the pipes open and the test would never end).
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n(killed: still running after ${timeoutMs} ms)`;
      killGroup();
    }, timeoutMs);
    child.on('exit', () => killGroup());
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
