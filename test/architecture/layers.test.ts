/**
 * Issue 14, item 7: the arrows between src/'s layers are enforced. Every import of every file under
 * src/ is read with the TypeScript parser and held to the graph below; a new arrow fails `npm test`.
 *
 *   cli ─→ http ─→ services ─→ store ─→ domain      (domain is imported by all and imports nothing)
 *                     │  └──→ mail
 *   cli ─→ webhooks (the delivery worker) ─→ store
 *   http, webhooks ─→ formats (user representations a door shares with webhook payloads) ─→ domain
 *
 * Doors (http) see the store only through its contract's types, never at run time: no SQL in a door.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

type Layer = 'domain' | 'formats' | 'store' | 'mail' | 'services' | 'webhooks' | 'http' | 'config' | 'cli';
const ALL: Layer[] = ['domain', 'formats', 'store', 'mail', 'services', 'webhooks', 'http', 'config', 'cli'];

/** Which layers each layer may import at run time, and which only for their types. Its own is always allowed. */
const ALLOWED: Record<Layer, { imports: Layer[]; typesOf?: Layer[] }> = {
  domain: { imports: [] },
  formats: { imports: ['domain'] },
  store: { imports: ['domain'] },
  mail: { imports: [] },
  services: { imports: ['domain', 'store', 'mail', 'config'] },
  webhooks: { imports: ['domain', 'formats', 'store', 'config'] },
  http: { imports: ['domain', 'formats', 'services', 'config'], typesOf: ['store'] },
  config: { imports: [] },
  cli: { imports: ALL },
};

/**
 * Arrows that exist today outside the graph, each named so that it is a decision and not a drift.
 * Flagged in issue 14's report; remove a line here when its arrow goes.
 */
const KNOWN_EXCEPTIONS: Array<[from: string, to: string, why: string]> = [
  ['src/config.ts', 'src/services/password-hashing/ceilings.ts', 'the hash cost ceilings are validated where they are defined'],
  ['src/services/webhook-service.ts', 'src/webhooks/safe-lookup.ts', 'endpoint URLs are checked at creation with the worker\'s own address rules'],
];

/** Packages a layer may use, beyond node: built-ins; other layers may not use these. */
const PACKAGES_OF: Partial<Record<Layer, RegExp>> = {
  store: /^(kysely|pg|better-sqlite3)$/,
  http: /^(fastify|fastify-plugin|@fastify\/.*|typebox|ajv|ajv-formats)$/,
};
/** The domain is plain TypeScript: built-ins and a pure id generator only. */
const DOMAIN_PACKAGES = /^(ulidx)$/;

function layerOf(file: string): Layer {
  const [top] = relative(SRC, file).split(/[\\/]/);
  if (top === 'config.ts') return 'config';
  if (!ALL.includes(top as Layer)) throw new Error(`${file} is in no layer; add its folder to test/architecture/layers.test.ts`);
  return top as Layer;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return /\.tsx?$/.test(name) ? [path] : [];
    });
}

interface Import {
  specifier: string;
  typeOnly: boolean;
}

/** Static imports and re-exports (noting `import type`) and dynamic import() calls. */
function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) found.push({ specifier: arg.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const BUILTIN = new Set(builtinModules);
const packageName = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const rel = (file: string) => relative(ROOT, file).split('\\').join('/');

type Read = (file: string) => string;
const readSource: Read = (file) => readFileSync(file, 'utf8');

/** Every import of these files that breaks the graph, as "from → to: rule". */
function violations(files: string[], read: Read = readSource): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    for (const { specifier, typeOnly } of importsOf(file, read(file))) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (!target.startsWith(SRC + '/')) {
          problems.push(`${rel(file)} → ${specifier}: src/ imports nothing outside src/`);
          continue;
        }
        const to = layerOf(target);
        if (to === from || from === 'cli') continue;
        const rule = ALLOWED[from];
        if (rule.imports.includes(to) || (typeOnly && rule.typesOf?.includes(to))) continue;
        if (KNOWN_EXCEPTIONS.some(([a, b]) => a === rel(file) && b === rel(target))) continue;
        const how = rule.typesOf?.includes(to) ? ' (only `import type` is allowed)' : '';
        problems.push(`${rel(file)} → ${rel(target)}: ${from} may not import ${to}${how}`);
        continue;
      }
      if (specifier.startsWith('node:') || BUILTIN.has(specifier)) continue;
      const name = packageName(specifier);
      if (from === 'domain' && !DOMAIN_PACKAGES.test(name)) {
        problems.push(`${rel(file)} → ${name}: domain uses no packages but ${DOMAIN_PACKAGES.source}`);
        continue;
      }
      for (const [owner, pattern] of Object.entries(PACKAGES_OF) as Array<[Layer, RegExp]>) {
        if (owner !== from && from !== 'cli' && pattern.test(name)) problems.push(`${rel(file)} → ${name}: only ${owner} uses ${name}`);
      }
    }
  }
  return problems;
}

test('every import under src/ follows the layers: domain ← store ← services ← http, domain imports nothing', () => {
  assert.deepEqual(violations(sourceFiles(SRC)), []);
});

test('the check sees each kind of forbidden arrow (so that an empty list means something)', () => {
  // Files that do not exist, parsed through the same code as the real ones.
  const fake: Record<string, string> = {
    'src/domain/bad.ts': "import { x } from '../services/user-service.ts';\nimport { Kysely } from 'kysely';",
    'src/services/bad.ts': "export { y } from '../http/server.ts';",
    'src/store/bad.ts': "const m = await import('../services/index.ts');",
    'src/http/bad.ts': "import { openStore } from '../store/kysely-store.ts';\nimport type { Store } from '../store/contract.ts';",
  };
  const files = Object.keys(fake).map((f) => join(ROOT, f));
  const problems = violations(files, (file) => fake[rel(file)] ?? readSource(file));
  assert.deepEqual(problems, [
    'src/domain/bad.ts → src/services/user-service.ts: domain may not import services',
    'src/domain/bad.ts → kysely: domain uses no packages but ^(ulidx)$',
    'src/services/bad.ts → src/http/server.ts: services may not import http',
    'src/store/bad.ts → src/services/index.ts: store may not import services',
    'src/http/bad.ts → src/store/kysely-store.ts: http may not import store (only `import type` is allowed)',
  ]);
});
