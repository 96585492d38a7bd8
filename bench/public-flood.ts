/**
 * `npm run bench:flood`: does a flood of the public /openapi.json starve the API? Measures an
 * authenticated GET (/v1/whoami) alone, then again while a separate process floods /openapi.json
 * over 50 connections, and prints both req/s and their ratio (issue 12 asks for at least 0.5).
 *
 *   --duration S (10)            length of each measurement
 *   --connections N (10)         connections of the authenticated GET
 *   --flood-connections N (50)   connections of the flood
 *   --public-limit SPEC|off      USERPLANE_PUBLIC_RATE_LIMIT of the server (its default when absent);
 *                                `off` measures the prerendered document alone, with no 429s
 *   --workers N                  serve --workers
 *
 * Server on a fresh SQLite store in its own process; the flood is autocannon in another process
 * (so the two load generators do not share one event loop), the measured GET runs from this one.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './database.ts';
import { measure, whoamiLoad, type LoadResult } from './load.ts';
import { startServer } from './server.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    'flood-connections': { type: 'string', default: '50' },
    'public-limit': { type: 'string' },
    workers: { type: 'string' },
  },
});

function whole(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, got "${text}"`);
  return n;
}

const duration = whole(values.duration, '--duration');
const connections = whole(values.connections, '--connections');
const floodConnections = whole(values['flood-connections'], '--flood-connections');
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

interface FloodResult {
  rps: number;
  ok: number;
  limited: number;
  other: number;
}

/** autocannon's CLI in a child process, JSON on stdout; starts at once, ends after `seconds`. */
function flood(url: string, seconds: number): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [autocannonBin, '-j', '-c', String(floodConnections), '-d', String(seconds), '-H', 'accept-encoding=gzip, br', url], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', () => {
      try {
        const result = JSON.parse(out) as { requests: { average: number }; '2xx': number; non2xx: number; statusCodeStats?: Record<string, { count: number }> };
        const limited = result.statusCodeStats?.['429']?.count ?? 0;
        resolve({ rps: result.requests.average, ok: result['2xx'], limited, other: result.non2xx - limited });
      } catch (error) {
        reject(new Error(`the flood's autocannon printed no result: ${String(error)}`));
      }
    });
  });
}

const database = await openBenchDatabase('sqlite', undefined);
const env: Record<string, string> = values['public-limit'] ? { USERPLANE_PUBLIC_RATE_LIMIT: values['public-limit'] } : {};
const server = await startServer({ databaseUrl: database.url, workers: values.workers, env });
try {
  const warm = await fetch(`${server.base}/openapi.json`);
  if (!warm.ok) throw new Error(`/openapi.json answered ${warm.status}`);
  await measure(whoamiLoad(server.base), connections, 2); // warm-up, not reported

  const alone: LoadResult = await measure(whoamiLoad(server.base), connections, duration);
  const flooding = flood(`${server.base}/openapi.json`, duration + 3);
  await new Promise((r) => setTimeout(r, 1_500)); // let the flood reach full speed first
  const flooded: LoadResult = await measure(whoamiLoad(server.base), connections, duration);
  const floodResult = await flooding;

  const ratio = flooded.rps / alone.rps;
  const command = [
    'npm run bench:flood --',
    `--duration ${duration}`,
    `--connections ${connections}`,
    `--flood-connections ${floodConnections}`,
    ...(values['public-limit'] ? [`--public-limit ${values['public-limit']}`] : []),
    ...(values.workers ? [`--workers ${values.workers}`] : []),
  ].join(' ');
  process.stdout.write(
    [
      '',
      `authenticated GET /v1/whoami, ${connections} connections, ${duration} s each (server: ${values['public-limit'] ? `USERPLANE_PUBLIC_RATE_LIMIT=${values['public-limit']}` : 'default settings'})`,
      `  unflooded: ${alone.rps.toFixed(0)} req/s (${alone.failures} failures)`,
      `  flooded:   ${flooded.rps.toFixed(0)} req/s (${flooded.failures} failures)`,
      `  ratio:     ${ratio.toFixed(2)} (issue 12 asks for ≥ 0.50)`,
      `flood of GET /openapi.json, ${floodConnections} connections: ${floodResult.rps.toFixed(0)} req/s; ${floodResult.ok} 2xx, ${floodResult.limited} 429, ${floodResult.other} other`,
      `reproduce: ${command}`,
      '',
    ].join('\n'),
  );
  if (alone.failures + flooded.failures > 0) process.exitCode = 1;
} finally {
  await server.stop();
  await database.remove();
}
