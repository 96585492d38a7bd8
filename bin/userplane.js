#!/usr/bin/env node
// Runs the bundle `npm ci` built (dist/cli/userplane.mjs, see scripts/build-server.js) while every
// source it was built from is unchanged, and otherwise the TypeScript sources directly through tsx,
// so `npm ci && npm start` needs no separate build step and an edited checkout never runs stale code.
import { readFileSync, statSync } from 'node:fs';

const bundle = new URL('../dist/cli/userplane.mjs', import.meta.url);

function bundleIsCurrent() {
  try {
    const inputs = JSON.parse(readFileSync(new URL('../dist/cli/inputs.json', import.meta.url), 'utf8'));
    return inputs.every(({ path, size, mtimeMs }) => {
      const stat = statSync(new URL(`../${path}`, import.meta.url), { throwIfNoEntry: false });
      return stat !== undefined && stat.size === size && stat.mtimeMs === mtimeMs;
    });
  } catch {
    return false;
  }
}

if (bundleIsCurrent()) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
