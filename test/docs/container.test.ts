/**
 * Issue 13, item 8: the container. deploy/Dockerfile installs and starts Userplane with the commands
 * CI runs, on a Node LTS newer than 20 (while package.json still allows 20); its health check follows
 * PORT (run here against a live server); deploy/compose.yaml parses (`docker compose config` or
 * Debian's `docker-compose config`: no engine needed) and uses only settings that exist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { freePort, killHard, startServe, type ServeProcess } from '../helpers/processes.ts';
import { ROOT, settingsReadByCode } from './settings.ts';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const dockerfile = read('deploy/Dockerfile');
/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => {
    const [, keyword, rest] = /^(\w+)\s+(.*)$/.exec(line.trim())!;
    return { keyword: keyword!.toUpperCase(), rest: rest! };
  });
const packageJson = JSON.parse(read('package.json')) as { engines: { node: string }; scripts: Record<string, string> };

test('built on a Node LTS newer than 20 (end of life April 2026), while engines still allow Node 20.19', () => {
  const images = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.rest.split(/\s/)[0]!);
  assert.equal(images.length, 2, 'a build stage and a runtime stage');
  assert.equal(images[0], images[1], 'both stages on the same Node image');
  const major = Number(/^node:(\d+)-/.exec(images[0]!)?.[1]);
  assert.ok(major > 20 && major % 2 === 0, `${images[0]} is an LTS line after 20`);
  assert.equal(packageJson.engines.node, '>=20.19');
});

test("the Dockerfile's install and start are the commands CI runs", () => {
  const ciInstall = /^npm ci( .*)?$/m.exec(read('.ci/run'));
  assert.ok(ciInstall, '.ci/run installs with npm ci');
  const installs = instructions.filter((i) => i.keyword === 'RUN' && /\bnpm\b/.test(i.rest));
  assert.equal(installs.length, 1, 'one npm command in the Dockerfile');
  const words = (text: string) => text.trim().split(/\s+/).sort();
  // The same install from the lockfile, leaving out only the test tools.
  assert.deepEqual(words(installs[0]!.rest), words(`${ciInstall[0]} --omit=dev`));
  // CMD is `npm start`'s command: what the README starts and the fleet suites spawn (test/helpers/processes.ts).
  const cmd = instructions.filter((i) => i.keyword === 'CMD');
  assert.equal(cmd.length, 1);
  assert.deepEqual(JSON.parse(cmd[0]!.rest), packageJson.scripts.start!.split(' '));
  assert.match(read('test/helpers/processes.ts'), /spawn\(process\.execPath, \[BIN, 'serve'/);
});

let server: ServeProcess | null = null;
after(async () => {
  if (server) await killHard(server);
});

test('the health check follows PORT: healthy on the port the server listens on, unhealthy elsewhere', async () => {
  const healthcheck = instructions.find((i) => i.keyword === 'HEALTHCHECK');
  assert.ok(healthcheck, 'the Dockerfile has a HEALTHCHECK');
  const command = JSON.parse(healthcheck.rest.slice(healthcheck.rest.indexOf('CMD ') + 4)) as string[];
  assert.equal(command[0], 'node');
  const check = (port: number) => spawnSync(process.execPath, command.slice(1), { env: { ...process.env, PORT: String(port) }, timeout: 30_000 }).status;

  server = startServe({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'info' });
  const port = Number(new URL(await server.ready).port);
  assert.notEqual(port, 8080);
  assert.equal(check(port), 0, `healthy with PORT=${port}`);
  assert.equal(check(await freePort()), 1, 'unhealthy where nothing listens');
});

const compose = parse(read('deploy/compose.yaml')) as {
  services: Record<string, { build?: { context: string; dockerfile: string }; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; healthcheck?: unknown; env_file?: string; ports?: string[] }>;
};

test('compose.yaml: Userplane from the Dockerfile over PostgreSQL and Redis, started once both are healthy', () => {
  const { userplane, postgres, redis } = compose.services;
  assert.ok(userplane && postgres && redis, 'services userplane, postgres and redis');
  assert.deepEqual(userplane.build, { context: '..', dockerfile: 'deploy/Dockerfile' });
  assert.equal(userplane.env_file, '.env');
  assert.match(userplane.environment!.DATABASE_URL!, /^postgres:\/\/userplane:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/userplane$/);
  assert.equal(userplane.environment!.REDIS_URL, 'redis://redis:6379');
  assert.deepEqual(userplane.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  assert.ok(postgres.healthcheck && redis.healthcheck);
  // The published port follows PORT, as the server and its health check do.
  assert.match(userplane.ports![0]!, /:\$\{PORT:-8080\}$/);
});

test('.env.example names only settings Userplane reads or compose.yaml uses', () => {
  const known = settingsReadByCode();
  const interpolated = new Set([...read('deploy/compose.yaml').matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
  const named = [...read('deploy/.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
  assert.ok(named.includes('POSTGRES_PASSWORD') && named.includes('USERPLANE_ADMIN_KEYS'));
  for (const name of named) assert.ok(known.has(name) || interpolated.has(name), `deploy/.env.example sets ${name}, which neither Userplane nor compose.yaml reads`);
});

/** `docker compose` where the plugin is installed, else Debian's `docker-compose`. */
function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}
const COMPOSE = composeCommand();
if (!COMPOSE && !process.env.CI) console.log('# compose.yaml parse check skipped: neither `docker compose` nor `docker-compose` is installed (under CI it fails instead)');

test('compose.yaml parses, with deploy/.env made from .env.example, and refuses to start without POSTGRES_PASSWORD', { skip: !COMPOSE && !process.env.CI ? 'no docker compose' : false }, () => {
  assert.ok(COMPOSE, 'CI must check deploy/compose.yaml: .ci/run installs docker-compose when the compose plugin is missing');
  // A copy, so that the check writes no deploy/.env into the checkout.
  const dir = mkdtempSync(join(tmpdir(), 'userplane-compose-'));
  try {
    mkdirSync(join(dir, 'deploy'));
    copyFileSync(join(ROOT, 'deploy', 'compose.yaml'), join(dir, 'deploy', 'compose.yaml'));
    copyFileSync(join(ROOT, 'deploy', '.env.example'), join(dir, 'deploy', '.env'));
    const config = (env: NodeJS.ProcessEnv) =>
      spawnSync(COMPOSE[0]!, [...COMPOSE.slice(1), '-f', 'deploy/compose.yaml', 'config'], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    const env = { ...process.env };
    delete env.POSTGRES_PASSWORD;
    const parsed = config({ ...env, POSTGRES_PASSWORD: 'compose-check' });
    assert.equal(parsed.status, 0, `${COMPOSE.join(' ')} config failed:\n${parsed.stderr}`);
    assert.match(parsed.stdout, /DATABASE_URL: postgres:\/\/userplane:compose-check@postgres:5432\/userplane/);
    const refused = config(env);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /set POSTGRES_PASSWORD in deploy\/\.env/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
