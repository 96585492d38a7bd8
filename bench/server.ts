/**
 * The server under test: `userplane serve` in its own process (tree, with --workers), or one of
 * the yardsticks of bench/limit-server.ts started the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { LimitMode } from './limit-server.ts';

export const BENCH_KEY = 'sk_test_bench_admin_key_000000001';

export interface ServerOptions {
  databaseUrl: string;
  /** Passed on as `serve --workers N`; absent: the server's own default. */
  workers?: string;
  /** DATABASE_POOL_SIZE; absent: the server's default (or the caller's environment). */
  poolSize?: string;
  /** More environment variables for the server (they win over the bench's own). */
  env?: Record<string, string>;
  /** Flags for node itself (--cpu-prof, which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
  /** A yardstick of bench/limit-server.ts instead of `userplane serve`, with `workers` processes. */
  limit?: LimitMode;
}

export interface RunningServer {
  base: string;
  /** Resident memory of the server and every process under it, and how many processes that is. */
  memory(): { rssMiB: number; processes: number };
  /** CPU time (user + system) the server's processes have used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const args = options.limit
    ? [...(options.nodeArgs ?? []), '--import', 'tsx', 'bench/limit-server.ts', options.limit]
    : [...(options.nodeArgs ?? []), 'bin/userplane.js', 'serve', ...(options.workers ? ['--workers', options.workers] : [])];
  const child = spawn(process.execPath, args, {
    // Limits off: the bench measures the update path, not the limiter's 429s.
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      USERPLANE_ADMIN_KEYS: BENCH_KEY,
      LOG_LEVEL: 'warn',
      USERPLANE_RATE_LIMIT: 'off',
      ...(options.poolSize ? { DATABASE_POOL_SIZE: options.poolSize } : {}),
      ...(options.limit && options.workers ? { WORKERS: options.workers } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it answered`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (Date.now() >= deadline) throw new Error('server did not become ready within 60 s');
  return { base, memory: () => treeMemory(child.pid!), cpuMs: () => treeCpuMs(child.pid!), stop: () => stop(child, exited) };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  const tree = descendants(child.pid!);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  // Cluster workers go with their primary; any that did not are still ours to end.
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Every process below `root`, from the parent pids in /proc/<pid>/stat. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the ppid is the 2nd field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

function treeMemory(root: number): { rssMiB: number; processes: number } {
  const pids = [root, ...descendants(root)];
  let kib = 0;
  for (const pid of pids) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return { rssMiB: kib / 1024, processes: pids.length };
}

// Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every platform Node runs on.
const TICK_MS = 10;

function treeCpuMs(root: number): number {
  let ticks = 0;
  for (const pid of [root, ...descendants(root)]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone.
    }
  }
  return ticks * TICK_MS;
}
