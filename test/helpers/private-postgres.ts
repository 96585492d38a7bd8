/**
 * A PostgreSQL server of the suite's own (initdb into a temporary folder, its own port), for tests
 * that stop, restart or reconfigure the server: doing that to the shared TEST_DATABASE_URL server
 * would break every suite running beside it. Needs the server binaries (Debian's postgresql
 * package); `privatePostgresSkip` says why a suite cannot run when they are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

function findBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : null;
}

const BIN_DIR = findBinDir();
// initdb and postgres refuse to run as root; as root the server runs as the postgres user.
const RUN_AS = userInfo().uid === 0 ? 'postgres' : null;

/** Why private servers cannot be made here, or null when they can. */
export const privatePostgresSkip: string | null = !BIN_DIR
  ? 'PostgreSQL server binaries (initdb, pg_ctl) are not installed'
  : RUN_AS && spawnSync('id', ['-u', RUN_AS]).status !== 0
    ? 'running as root without a postgres user to run the server as'
    : null;

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** Where the server's binaries are (pgbench lives there too). */
  binDir: string;
  /** With `ssl`, the server's self-signed certificate (CN=localhost): a client's sslrootcert. */
  sslCertFile: string | null;
  /** Stops the server: `immediate` is a crash (recovery runs on the next start), `fast` a clean stop. */
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  /** Removes the server and its files. */
  destroy(): void;
}

export interface PrivatePostgresOptions {
  /** Serve TLS with a fresh self-signed certificate (made with openssl). */
  ssl?: boolean;
  /** Extra postgresql.conf lines. */
  settings?: Record<string, string>;
}

function run(command: string, args: string[]): string {
  const [file, argv] = RUN_AS ? ['runuser', ['-u', RUN_AS, '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  if (privatePostgresSkip || !BIN_DIR) throw new Error(`cannot start a private PostgreSQL: ${privatePostgresSkip}`);
  const binDir = BIN_DIR;
  const dir = mkdtempSync(join(tmpdir(), 'userplane-pg-'));
  if (RUN_AS) execFileSync('chown', [RUN_AS, dir]);
  const data = join(dir, 'data');
  run(join(binDir, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);

  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${dir}'`,
    max_connections: '100',
    ...options.settings,
  };
  if (options.ssl) {
    execFileSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-subj', '/CN=localhost', '-keyout', join(data, 'server.key'), '-out', join(data, 'server.crt')], { stdio: 'ignore' });
    if (RUN_AS) execFileSync('chown', [RUN_AS, join(data, 'server.key'), join(data, 'server.crt')]);
    chmodSync(join(data, 'server.key'), 0o600);
    settings.ssl = 'on';
  }
  const conf = Object.entries(settings)
    .map(([key, value]) => `${key} = ${value}`)
    .join('\n');
  writeFileSync(join(data, 'postgresql.auto.conf'), `${conf}\n`);
  if (RUN_AS) execFileSync('chown', [RUN_AS, join(data, 'postgresql.auto.conf')]);

  const log = join(dir, 'server.log');
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    binDir,
    sslCertFile: options.ssl ? join(data, 'server.crt') : null,
    start: () => void run(join(binDir, 'pg_ctl'), ['-D', data, '-l', log, '-w', '-t', '60', 'start']),
    stop: (mode = 'fast') => void run(join(binDir, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']),
    destroy() {
      try {
        server.stop('immediate');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  server.start();
  return server;
}
