#!/usr/bin/env node
/**
 * Bundles the server and CLI (src/cli/main.ts and everything it imports from src/) into one ES
 * module, dist/cli/userplane.mjs, with the packages left as imports of node_modules. Loading one
 * bundled file takes about a third of the CPU of loading ~200 TypeScript modules through tsx's
 * loader hooks, which every start pays: `serve`, each cluster worker, each CLI command.
 *
 * Beside it, dist/cli/inputs.json lists each source file it was built from, with its size and
 * modification time. bin/userplane.js runs the bundle only while every one of them is unchanged, and
 * the sources through tsx otherwise: an edited checkout never runs stale code, it only starts slower
 * until the next build (`npm run build:server`; `npm ci` and `npm test` build it).
 *
 * The bundle sits two directories below the root, like the sources it replaces, so the paths they
 * resolve from import.meta.url (package.json, console/dist) stay the same.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cli');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: join(out, 'userplane.mjs'),
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  metafile: true,
  logLevel: 'warning',
});

const inputs = Object.keys(result.metafile.inputs).map((file) => {
  const { size, mtimeMs } = statSync(join(root, file));
  return { path: relative(root, join(root, file)), size, mtimeMs };
});
writeFileSync(join(out, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
if (!process.argv.includes('--quiet')) console.log(`dist/cli/userplane.mjs  ${inputs.length} sources`);
