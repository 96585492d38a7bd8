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
 * Every environment variable src/config.ts reads: `env.NAME`, `env['NAME']`, `const { NAME } = env`
 * (any variable typed NodeJS.ProcessEnv), and every upper-case string literal passed to a call
 * (`wholeNumber(env, problems, 'NAME', …)`, `read('port', 'PORT')`), plus `process.env.NAME`
 * anywhere under src/ and bin/.
 */
let cached: Set<string> | null = null;
export function settingsReadByCode(): Set<string> {
  if (cached) return new Set(cached);
  const names = envReadsIn(join(ROOT, 'src', 'config.ts'));
  for (const path of [...files(join(ROOT, 'src')), ...files(join(ROOT, 'bin'))]) {
    for (const match of readFileSync(path, 'utf8').matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) {
      names.add((match[1] ?? match[2])!);
    }
  }
  cached = names;
  return new Set(names);
}

/** The environment variables one TypeScript file reads (see settingsReadByCode). */
export function envReadsIn(file: string): Set<string> {
  const names = new Set<string>();
  // The type checker tells an environment (NodeJS.ProcessEnv) apart, whatever the variable is called.
  const program = ts.createProgram([file], { noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowImportingTsExtensions: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const isEnv = (node: ts.Expression) => {
    const type = checker.getNonNullableType(checker.getTypeAtLocation(node));
    return (type.aliasSymbol ?? type.symbol)?.name === 'ProcessEnv' || (ts.isIdentifier(node) && node.text === 'env');
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ENV_NAME.test(node.name.text) && isEnv(node.expression)) names.add(node.name.text);
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && isEnv(node.expression)) {
      names.add(node.argumentExpression.text);
    }
    // const { NAME } = env
    if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer && isEnv(node.initializer)) {
      for (const element of node.name.elements) {
        const key = element.propertyName ?? element.name;
        if (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) names.add(key.text);
      }
    }
    if (ts.isCallExpression(node)) {
      for (const argument of node.arguments) {
        if (ts.isStringLiteralLike(argument) && ENV_NAME.test(argument.text) && argument.text.length >= 3) names.add(argument.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
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
