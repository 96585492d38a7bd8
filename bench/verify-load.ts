/**
 * `npm run bench:verify-load`: does the server stay responsive while expensive verifies run
 * (issue 12, item 2)? Starts `userplane serve` on a fresh SQLite file, imports one user per hash
 * family at its default ceiling, keeps N verifies of those hashes in flight (wrong passwords, so
 * no hash is upgraded; the failure limit is off), and meanwhile probes /healthz and
 * GET /v1/users/{id} at a steady pace. Prints p50/p99/max of each probe, first with no verifies
 * (baseline) and then under load.
 *
 *   --duration S (15)  seconds of each phase     --in-flight N (8)  verifies in flight
 *   --interval MS (10) between two probes of one endpoint
 *
 * Only 127.0.0.1; the probes are paced, so they measure latency, not throughput.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_HASH_CEILINGS } from '../src/services/password-hashing/index.ts';
import { cases } from './ceiling-hashes.ts';
import { BENCH_KEY, startServer } from './server.ts';

const { values } = parseArgs({ options: { duration: { type: 'string' }, 'in-flight': { type: 'string' }, interval: { type: 'string' } } });
const durationMs = Number(values.duration ?? '15') * 1000;
const inFlight = Number(values['in-flight'] ?? '8');
const intervalMs = Number(values.interval ?? '10');
const headers = { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' };

interface Probe {
  latencies: number[];
  errors: number;
}

async function probe(url: string, until: number): Promise<Probe> {
  const result: Probe = { latencies: [], errors: 0 };
  while (Date.now() < until) {
    const start = performance.now();
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.ok) result.latencies.push(performance.now() - start);
      else result.errors += 1;
    } catch {
      result.errors += 1;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return result;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function line(name: string, probe: Probe): string {
  const sorted = [...probe.latencies].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1).padStart(7);
  return `${name.padEnd(34)} ${String(sorted.length).padStart(6)} ${f(percentile(sorted, 50))} ${f(percentile(sorted, 99))} ${f(sorted.at(-1) ?? NaN)} ${String(probe.errors).padStart(6)}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'userplane-verify-load-'));
  const server = await startServer({
    databaseUrl: `sqlite:${join(dir, 'bench.db')}`,
    // A long queue timeout keeps all N verifies in flight (the default 5 s would turn some into 503s here).
    env: { USERPLANE_PASSWORD_FAILURES: 'off', USERPLANE_PASSWORD_QUEUE_TIMEOUT_MS: '120000', USERPLANE_WEBHOOK_WORKER: 'off' },
  });
  try {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    // Every family at its ceiling except the cheap ones (ssha, our own argon2id).
    const hashes = cases(DEFAULT_HASH_CEILINGS).filter((c) => c.setting !== '-');
    const users: string[] = [];
    for (const [i, c] of hashes.entries()) {
      const created = await post('/v1/users', { email: `verify-load-${i}@example.com` });
      const id = created.json.id as string;
      const set = await post(`/v1/users/${id}/password`, { password_hash: c.hash, password_hash_type: c.type });
      if (set.status !== 200) throw new Error(`import of ${c.name} failed: ${JSON.stringify(set.json)}`);
      users.push(id);
    }
    const target = `${server.base}/v1/users/${users[0]}`;
    console.log(`Server ${server.base}; ${hashes.length} users with ceiling-cost hashes: ${hashes.map((c) => c.name).join(', ')}`);

    const baselineUntil = Date.now() + Math.min(durationMs, 5_000);
    const baseline = await Promise.all([probe(`${server.base}/healthz`, baselineUntil), probe(target, baselineUntil)]);

    let stop = false;
    const statuses = new Map<number, number>();
    const verifyMs: number[] = [];
    const verifier = async (n: number) => {
      for (let i = n; !stop; i += inFlight) {
        const start = performance.now();
        const res = await post(`/v1/users/${users[i % users.length]}/password/verify`, { password: 'not the password' });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) verifyMs.push(performance.now() - start);
      }
    };
    const verifiers = Array.from({ length: inFlight }, (_, n) => verifier(n));
    await new Promise((r) => setTimeout(r, 1_000)); // let the queue fill
    const cpuBefore = server.cpuMs();
    const until = Date.now() + durationMs;
    const loaded = await Promise.all([probe(`${server.base}/healthz`, until), probe(target, until)]);
    const cpuMs = server.cpuMs() - cpuBefore;
    stop = true;
    await Promise.all(verifiers);

    console.log(`\n${'probe'.padEnd(34)} ${'count'.padStart(6)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'errors'.padStart(6)}`);
    console.log(line('GET /healthz (idle)', baseline[0]!));
    console.log(line('GET /v1/users/{id} (idle)', baseline[1]!));
    console.log(line(`GET /healthz (${inFlight} verifies)`, loaded[0]!));
    console.log(line(`GET /v1/users/{id} (${inFlight} verifies)`, loaded[1]!));
    const sortedVerify = [...verifyMs].sort((a, b) => a - b);
    console.log(
      `\nverifies: ${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}; answered in p50 ${percentile(sortedVerify, 50).toFixed(0)} ms, ` +
        `p99 ${percentile(sortedVerify, 99).toFixed(0)} ms (queue wait included); server CPU ${(cpuMs / durationMs).toFixed(2)} cores during the load phase`,
    );
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
