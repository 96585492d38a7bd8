/**
 * Issue 13, item 3: a command that cannot start says what is wrong in one line and exits non-zero
 * (the stack only at LOG_LEVEL=debug); an unreachable PostgreSQL fails after
 * DATABASE_CONNECT_TIMEOUT_MS instead of hanging; SIGTERM ends `serve` even when its stdout is a
 * closed pipe (`serve | head -3`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { POSTGRES_URL } from '../helpers/databases.ts';
import { BIN, freePort } from '../helpers/processes.ts';
import { waitUntil } from '../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'userplane-startup-'));
const children: ChildProcess[] = [];
/** Far above any timeout under test: only a process that hangs reaches it. */
const HANG_DEADLINE_MS = 60_000;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `userplane …` to its end; a process still running at the deadline is killed and the test fails. */
function runToEnd(args: string[], env: Record<string, string>): Promise<Finished> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', ...env } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`userplane ${args.join(' ')} was still running after ${HANG_DEADLINE_MS} ms:\n${stdout}${stderr}`));
    }, HANG_DEADLINE_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A TCP server on 127.0.0.1 that accepts and never answers: a PostgreSQL that hangs, without leaving the machine. */
function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** The one line a failed start leaves on stderr. */
function oneLine(result: Finished): string {
  const lines = result.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  return lines[0]!;
}

const sqlite = (name: string) => `sqlite:${join(dir, `${name}.db`)}`;

describe('start-up failures: one line, non-zero exit', () => {
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('an unreachable PostgreSQL fails after DATABASE_CONNECT_TIMEOUT_MS, naming host and port; serve said where it connects first', async () => {
    const hanging = await silentServer();
    try {
      for (const command of [['serve'], ['migrate'], ['keys', 'list', '--env', 'test']]) {
        const result = await runToEnd(command, { DATABASE_URL: `postgres://app:s3cret-pw@127.0.0.1:${hanging.port}/app`, DATABASE_CONNECT_TIMEOUT_MS: '1000' });
        assert.equal(result.code, 1, `${command.join(' ')}: ${result.stderr}`);
        assert.equal(oneLine(result), `userplane: cannot reach PostgreSQL at 127.0.0.1:${hanging.port} within 1 s (DATABASE_CONNECT_TIMEOUT_MS)`);
        assert.doesNotMatch(result.stdout + result.stderr, /s3cret-pw/);
        if (command[0] === 'serve') assert.match(result.stdout.split('\n')[0]!, new RegExp(`"msg":"connecting to postgres://app:\\*\\*\\*@127\\.0\\.0\\.1:${hanging.port}/app"`));
      }
    } finally {
      await hanging.close();
    }
  });

  test('DATABASE_CONNECT_TIMEOUT_MS is validated like every setting', async () => {
    const result = await runToEnd(['migrate'], { DATABASE_URL: sqlite('timeout'), DATABASE_CONNECT_TIMEOUT_MS: 'soon' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /DATABASE_CONNECT_TIMEOUT_MS must be a whole number/);
  });

  test('a port in use: one line naming port and host, before anything is migrated', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      for (const workers of ['1', '2']) {
        const result = await runToEnd(['serve', '--workers', workers], { DATABASE_URL: sqlite(`in-use-${workers}`), PORT: String(port) });
        assert.equal(result.code, 1, result.stderr);
        assert.equal(oneLine(result), `userplane: port ${port} on 127.0.0.1 is already in use: stop what holds it or set PORT`);
      }
    } finally {
      holder.close();
    }
  });

  test('a HOST that is not an address of this machine: one line naming it', async () => {
    // 192.0.2.1 (TEST-NET-1) is assigned to no machine; binding to it fails locally and sends nothing.
    const result = await runToEnd(['serve'], { DATABASE_URL: sqlite('bad-host'), HOST: '192.0.2.1' });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(oneLine(result), 'userplane: HOST 192.0.2.1 is not an address of this machine: set HOST to one (or 0.0.0.0)');
  });

  test('the stack is printed only at LOG_LEVEL=debug', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const result = await runToEnd(['serve'], { DATABASE_URL: sqlite('debug'), PORT: String(port), LOG_LEVEL: 'debug' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^userplane: port \d+ on 127\.0\.0\.1 is already in use/);
      assert.match(result.stderr, /EADDRINUSE[\s\S]*\n\s+at /, 'the stack follows the line');
    } finally {
      holder.close();
    }
  });

  describe('what PostgreSQL refuses', { skip: !POSTGRES_URL && 'needs TEST_DATABASE_URL' }, () => {
    const at = () => {
      const url = new URL(POSTGRES_URL!);
      return `${url.hostname}:${url.port || '5432'}`;
    };

    test('a missing database: one line naming it', async () => {
      const url = new URL(POSTGRES_URL!);
      url.pathname = '/userplane_no_such_database';
      const result = await runToEnd(['migrate'], { DATABASE_URL: url.toString() });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(oneLine(result), `userplane: PostgreSQL at ${at()}: database "userplane_no_such_database" does not exist`);
    });

    test('a missing role: one line naming it', async () => {
      const url = new URL(POSTGRES_URL!);
      url.username = 'userplane_no_such_role';
      url.password = '';
      const result = await runToEnd(['serve'], { DATABASE_URL: url.toString() });
      assert.equal(result.code, 1, result.stderr);
      // Trust authentication names the missing role; password authentication says the login failed for it.
      assert.match(oneLine(result), new RegExp(`^userplane: PostgreSQL at ${at().replace(/\./g, '\\.')}: .*"userplane_no_such_role"`));
    });
  });
});

describe('SIGTERM with stdout a closed pipe (serve | head -3)', () => {
  for (const workers of ['1', '2']) {
    test(`--workers ${workers}: exits 0 within the shutdown timeout`, async () => {
      const port = await freePort();
      // Up once it accepts a TCP connection: no request, so nothing is logged between the close and SIGTERM.
      let answered = 0;
      const poll = setInterval(() => {
        const socket = connect(port, '127.0.0.1', () => {
          answered++;
          socket.destroy();
        });
        socket.on('error', () => {});
      }, 250);
      const child = spawn(process.execPath, [BIN, 'serve', '--workers', workers], {
        env: { ...process.env, DATABASE_URL: sqlite(`pipe-${workers}`), PORT: String(port), LOG_LEVEL: 'info', USERPLANE_SHUTDOWN_TIMEOUT_MS: '3000' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      // Like head -3: read three lines, then close the pipe's reading end.
      let lines = 0;
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          lines += chunk.toString().split('\n').length - 1;
          if (lines >= 3) {
            child.stdout.destroy();
            resolve();
          }
        });
        void exited.then(() => reject(new Error(`serve exited before printing three lines:\n${stderr}`)));
      });
      // The first write that meets the closed pipe is the shutdown's own log line.
      await waitUntil(() => answered > 0, () => `serve never listened on port ${port}:\n${stderr}`, HANG_DEADLINE_MS, 100);
      clearInterval(poll);
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), HANG_DEADLINE_MS)));
      const outcome = await Promise.race([exited, hung]);
      clearTimeout(timer);
      clearInterval(poll);
      assert.notEqual(outcome, 'hung', `serve did not exit after SIGTERM:\n${stderr}`);
      assert.deepEqual(outcome, { code: 0, signal: null }, stderr);
      assert.equal(stderr, '', 'nothing went wrong on the way out');
    });
  }
});

describe('the logger of serve and worker on a closed pipe', () => {
  // Deterministic form of the race above: pino's default asynchronous stream, with one write in
  // flight and one queued when the process exits, retries its final flush forever on EPIPE.
  test('two lines into a closed stdout, then exit: the process ends, with code 0', async () => {
    const logger = join(import.meta.dirname, '..', '..', 'src', 'cli', 'logger.ts');
    const script = `
      import { createLogger } from ${JSON.stringify(logger)};
      const log = createLogger('info');
      process.stdin.once('data', () => {
        log.info('shutting down');
        log.info('shut down');
        process.exit(0);
      });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.stdout.destroy();
    // Give the child time to load before it writes, so the pipe is closed by then: a generous pause, asserting nothing.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    child.stdin.write('go\n');
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), HANG_DEADLINE_MS)));
    const outcome = await Promise.race([exited, hung]);
    clearTimeout(timer);
    if (outcome === 'hung') child.kill('SIGKILL');
    assert.deepEqual(outcome, { code: 0, signal: null }, stderr);
  });
});
