#!/usr/bin/env node
/**
 * Builds the admin console into console/dist (served by src/http/console.ts at /console/): one
 * bundled, minified ES module and one stylesheet, with content hashes, and an index.html that
 * loads them. esbuild compiles Preact's JSX itself, so no framework plugin is needed. Runs at
 * install time (`prepare`) and from the browser tests when the sources changed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'src/main.tsx')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: false,
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((file) => file.endsWith('.js'));
const style = outputs.find((file) => file.endsWith('.css'));
const html = readFileSync(join(root, 'index.html'), 'utf8')
  .replace('<!-- styles -->', style ? `<link rel="stylesheet" href="/console/assets/${style}" />` : '')
  .replace('<!-- script -->', `<script type="module" src="/console/assets/${script}"></script>`);
writeFileSync(join(dist, 'index.html'), html);
for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) console.log(`console/dist/assets/${basename(file)}  ${(bytes / 1024).toFixed(1)} kB`);
