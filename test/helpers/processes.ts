/**
 * Userplane as a real process (`bin/userplane.js serve`), for tests of what only a process shows:
 * signals, kill -9, several nodes on one database. Output is kept for the assertion messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sleep } from './wait.ts';

export { sleep, waitUntil } from './wait.ts';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'userplane.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ServeProcess {
  child: ChildProcess;
  /** Resolves with the base URL (http://127.0.0.1:PORT) once the server listens. */
  ready: Promise<string>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  output(): string;
  /** Resolves once the output matches `pattern`; rejects after `timeoutMs` or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/**
 * Starts `userplane <command>` with the environment given on top of this one. With PORT unset it
 * listens on a port of its own choosing, read back from its log.
 */
export function startServe(env: Record<string, string>, args: string[] = []): ServeProcess {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env } });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      look();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening:\n${output}`)));
  });
  ready.catch(() => {});
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(output);
      if (match) return match;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited before printing ${pattern}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`serve did not print ${pattern} in ${timeoutMs} ms:\n${output}`);
      await sleep(25);
    }
  };
  return { child, ready, exited, output: () => output, waitFor };
}

/** Sends SIGKILL to a process that is still running and waits for it to go. */
export async function killHard(node: ServeProcess): Promise<void> {
  if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
  await node.exited;
}
