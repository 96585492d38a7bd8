/** Makes sure console/dist is a build of the current console sources (the browser tests use it). */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_DIST } from '../../src/http/console.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The console bundles @userplane/client from its sources: a change to the client is a change to the console.
const SOURCES = [join(ROOT, 'console/src'), join(ROOT, 'console/index.html'), join(ROOT, 'console/build.js'), join(ROOT, 'packages/client/src')];

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/** Builds with `npm run build:console`'s command when the build is missing or older than a source file. */
export function ensureConsoleBuilt(): void {
  const index = join(CONSOLE_DIST, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...SOURCES.map(newestChange))) return;
  const result = spawnSync(process.execPath, [join(ROOT, 'console/build.js')], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(index)) {
    throw new Error(`Building the console failed (npm run build:console):\n${result.stderr}${result.stdout}`);
  }
}
