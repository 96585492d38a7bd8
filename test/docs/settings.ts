/**
 * The settings Userplane reads, derived from the code itself (so a setting added anywhere cannot be
 * forgotten), and the settings the README documents, for the checks in test/docs/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const ROOT = join(import.meta.dirname, '..', '..');
const ENV_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/**
 * Every environment variable src/config.ts reads: `env.NAME`, `env['NAME']`, and every upper-case
 * string literal passed to a call (`wholeNumber(env, problems, 'NAME', …)`, `read('port', 'PORT')`),
 * plus `process.env.NAME` anywhere under src/ and bin/.
 */
export function settingsReadByCode(): Set<string> {
  const names = new Set<string>();
  const file = join(ROOT, 'src', 'config.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const isEnv = (node: ts.Expression) =>
    (ts.isIdentifier(node) && node.text === 'env') || (ts.isPropertyAccessExpression(node) && node.name.text === 'env');
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && isEnv(node.expression) && ENV_NAME.test(node.name.text)) names.add(node.name.text);
    if (ts.isElementAccessExpression(node) && isEnv(node.expression) && ts.isStringLiteralLike(node.argumentExpression)) {
      names.add(node.argumentExpression.text);
    }
    if (ts.isCallExpression(node)) {
      for (const argument of node.arguments) {
        if (ts.isStringLiteralLike(argument) && ENV_NAME.test(argument.text) && argument.text.length >= 3) names.add(argument.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const path of [...files(join(ROOT, 'src')), ...files(join(ROOT, 'bin'))]) {
    for (const match of readFileSync(path, 'utf8').matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) {
      names.add((match[1] ?? match[2])!);
    }
  }
  return names;
}

/** The variables named in the first column of the README's `| variable | default | meaning |` tables (wildcards aside). */
export function settingsInReadme(readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): Set<string> {
  const names = new Set<string>();
  let inTable = false;
  for (const line of readme.split('\n')) {
    if (/^\|\s*variable\s*\|\s*default\s*\|/.test(line)) inTable = true;
    else if (!line.startsWith('|')) inTable = false;
    else if (inTable) {
      const first = line.split('|')[1] ?? '';
      for (const [, name] of first.matchAll(/`([^`]+)`/g)) if (ENV_NAME.test(name!)) names.add(name!);
    }
  }
  return names;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|js)$/.test(name) ? [path] : [];
  });
}
