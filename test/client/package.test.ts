/**
 * @userplane/client as it is published (issue 18, item 2): its build (`npm run build` in
 * packages/client, the command `npm pack` runs) is ESM with type declarations that plain Node
 * imports, no TypeScript loader involved, and it works against a live Userplane; it bundles for
 * browsers (no Node built-ins anywhere in it); it depends on openapi-fetch and nothing else.
 * Prints the browser bundle's size (README "Client (TypeScript)").
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useListeningApp } from '../helpers/app.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT = join(ROOT, 'packages/client');
const run = promisify(execFile);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

test('package.json: ESM, types and import conditions, openapi-fetch its only dependency', () => {
  const pkg = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8'));
  assert.equal(pkg.name, '@userplane/client');
  assert.equal(pkg.type, 'module');
  assert.deepEqual(pkg.exports['.'], { types: './dist/index.d.ts', import: './dist/index.js' });
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ['openapi-fetch']);
  assert.equal(pkg.peerDependencies, undefined);
  assert.equal(pkg.scripts.prepack, 'npm run build');
});

test('the sources import only each other and openapi-fetch (no node: built-ins, nothing else)', () => {
  const imports: string[] = [];
  for (const file of filesUnder(join(CLIENT, 'src'))) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
      if (!specifier!.startsWith('./')) imports.push(`${file.slice(CLIENT.length + 1)}: ${specifier}`);
    }
  }
  assert.deepEqual(imports, ['src/client.ts: openapi-fetch']);
});

test('it bundles for browsers; the minified, gzipped size is printed', async () => {
  const result = await build({
    entryPoints: [join(CLIENT, 'src/index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const outside = inputs.filter((input) => !input.startsWith('packages/client/src/') && !input.includes('node_modules/openapi-fetch/'));
  assert.deepEqual(outside, [], 'only the client and openapi-fetch are in the bundle');
  const code = result.outputFiles[0]!.contents;
  console.log(`# @userplane/client browser bundle: ${code.byteLength} bytes minified, ${gzipSync(code, { level: 9 }).byteLength} bytes gzipped`);
});

for (const kind of DATABASES.slice(0, 1)) {
  describe(`the built package on plain Node (${kind.name})`, () => {
    const t = useListeningApp(kind, { edge: { keepAliveTimeoutMs: 60_000 } });
    // Inside the repository, so that the build's `import 'openapi-fetch'` resolves as it would in an
    // app: pkg/ is the package as packed, app/ an application that has it in its node_modules.
    const out = join(ROOT, '.tmp', `client-package-${process.pid}`);
    const pkg = join(out, 'pkg');
    const app = join(out, 'app');
    before(() => {
      rmSync(out, { recursive: true, force: true });
      mkdirSync(pkg, { recursive: true });
      mkdirSync(join(app, 'node_modules/@userplane'), { recursive: true });
      cpSync(join(CLIENT, 'package.json'), join(pkg, 'package.json'));
      symlinkSync(pkg, join(app, 'node_modules/@userplane/client'), 'dir');
      writeFileSync(join(app, 'package.json'), '{ "type": "module" }\n');
    });
    after(() => rmSync(out, { recursive: true, force: true }));

    test('tsc builds ESM with declarations an app type-checks without skipLibCheck; Node imports it without a loader and it talks to Userplane', { timeout: 180_000 }, async () => {
      const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
      await run(process.execPath, [tsc, '-p', join(CLIENT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], { cwd: CLIENT });
      for (const file of ['index.js', 'index.d.ts', 'client.js', 'client.d.ts', 'errors.js', 'schema.d.ts', 'webhooks.js', 'transport.js']) {
        assert.ok(existsSync(join(pkg, 'dist', file)), `dist/${file}`);
      }
      for (const file of filesUnder(join(pkg, 'dist')).filter((name) => name.endsWith('.js'))) {
        const text = readFileSync(file, 'utf8');
        assert.doesNotMatch(text, /\brequire\(|module\.exports/, `${file} is ESM`);
        assert.doesNotMatch(text, /from ['"]\.[^'"]*\.ts['"]/, `${file}: relative imports end in .js`);
      }

      // An application's strict type check of the declarations, the library's included.
      const source = [
        "import { createUserplaneClient, PreconditionFailedError, type User } from '@userplane/client';",
        "const client = createUserplaneClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'sk_test_x' });",
        "export async function rename(id: string): Promise<User> {",
        "  const user = await client.users.get(id);",
        "  const email: string | null = user.email;",
        "  try { return await client.users.update(id, { first_name: email ?? 'x' }, { ifMatch: user }); }",
        "  catch (error) { if (error instanceof PreconditionFailedError) return client.users.update(id, { first_name: 'x' }, { ifMatch: error.etag! }); throw error; }",
        "}",
        "export const raw = client.GET('/v1/users/{id}', { params: { path: { id: 'usr_x' } } });",
      ].join('\n');
      writeFileSync(join(app, 'app.ts'), source);
      for (const [name, options] of Object.entries({
        nodenext: { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'] },
        browser: { module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], types: [] },
      })) {
        const config = { compilerOptions: { target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(ROOT, 'node_modules/@types')], ...options }, files: ['app.ts'] };
        writeFileSync(join(app, `tsconfig.${name}.json`), JSON.stringify(config));
        const checked = await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: app }).catch((error: { stdout: string }) => error);
        assert.equal(checked.stdout, '', `${name}: the app's type check`);
      }

      // A plain ES module script: no tsx, no tsconfig paths; the package's exports resolve it.
      const script = [
        "import { createUserplaneClient, PreconditionFailedError, verifyWebhook } from '@userplane/client';",
        'const client = createUserplaneClient({ baseUrl: process.env.BASE, apiKey: process.env.KEY });',
        "const user = await client.users.create({ email: 'built@example.com' });",
        "await client.users.update(user.id, { first_name: 'B' });",
        "const stale = await client.users.update(user.id, { last_name: 'C' }, { ifMatch: user }).catch((e) => e);",
        "if (!(stale instanceof PreconditionFailedError) || stale.currentVersion !== 2) throw new Error(String(stale));",
        "if (typeof verifyWebhook !== 'function') throw new Error('verifyWebhook');",
        'let n = 0; for await (const each of client.users.list({ limit: 1 })) n++;',
        'console.log(JSON.stringify({ version: (await client.users.get(user.id)).version, n }));',
      ].join('\n');
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: app,
        env: { PATH: process.env.PATH, BASE: t.base, KEY: TEST_ADMIN_KEY },
      });
      assert.deepEqual(JSON.parse(stdout), { version: 2, n: 1 });
    });
  });
}
