#!/usr/bin/env node
// Runs every test file under test/ with Node's built-in runner, TypeScript through tsx.
// Node 20's --test does not expand globs itself, so the files are listed here.
//
//   node scripts/run-tests.js                 every test file (npm test)
//   node scripts/run-tests.js --fast          the files that start no process, SQLite only, 500 fuzz runs (npm run test:fast)
//   node scripts/run-tests.js test/a.test.ts  just these
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

// The fast set is defined by what a file does, so it stays right as tests are added: a test file
// is slow when it, or a test helper it imports (transitively), starts processes or a browser.
const STARTS_PROCESSES = /from ['"](node:)?child_process['"]|from ['"]playwright(-core)?['"]/;
const seen = new Map();
function startsProcesses(file) {
  const path = resolve(file);
  if (seen.has(path)) return seen.get(path);
  seen.set(path, false);
  const source = readFileSync(path, 'utf8');
  let slow = STARTS_PROCESSES.test(source);
  for (const [, relative] of source.matchAll(/from ['"](\.{1,2}\/[^'"]+)['"]/g)) {
    if (slow) break;
    const target = resolve(dirname(path), relative);
    // Only test helpers and the bench's modules count: the sources under src/ are what the tests
    // exercise in-process. A path that is no file is import-like text inside a test (the layers
    // test's own examples).
    if ((target.startsWith(resolve('test')) || target.startsWith(resolve('bench'))) && /\.(ts|js)$/.test(target) && existsSync(target)) slow = startsProcesses(target);
  }
  seen.set(path, slow);
  return slow;
}

const args = process.argv.slice(2);
const fast = args.includes('--fast');
const only = args.filter((arg) => arg !== '--fast');
let files = only.length > 0 ? only : collect('test');
const env = { ...process.env };
if (fast) {
  files = files.filter((file) => !startsProcesses(file));
  // SQLite only: the suites skip their PostgreSQL and Redis variants without these.
  delete env.TEST_DATABASE_URL;
  delete env.TEST_REDIS_URL;
  env.USERPLANE_QUIET_SKIPS = '1';
  // The door fuzzer's 10,000 generated bodies per door take minutes; a sample keeps it in the loop.
  env.USERPLANE_FUZZ_RUNS ??= '500';
}

// The longest files first, so that the last minutes are not one long file running alone: the
// fuzzers (a long CPU-bound run each), then the files that start processes (mostly waiting on
// them), then the rest, each group in name order.
const FUZZER = /USERPLANE_FUZZ_RUNS/;
const rank = (file) => (FUZZER.test(readFileSync(file, 'utf8')) ? 0 : startsProcesses(file) ? 1 : 2);
files = files.map((file) => [rank(file), file]).sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1)).map(([, file]) => file);

const startedAt = Date.now();
// The processes the suites start run bin/userplane.js, which runs the bundle only when it is built
// from the sources as they are now (scripts/build-server.js): build it, so they start fast.
if (!fast) {
  const built = spawnSync(process.execPath, ['scripts/build-server.js', '--quiet'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${fast ? 4 : 2}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env },
);
// After the runner's own closing lines, which CI parses and which stay as they are.
const seconds = Math.round((Date.now() - startedAt) / 1000);
const took = seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
process.stdout.write(`# ${fast ? 'test:fast' : 'tests'}: ${files.length} files in ${took}\n`);
process.exit(result.status ?? 1);
