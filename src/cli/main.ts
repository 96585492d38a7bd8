/**
 * `userplane serve | worker | migrate | keys create|list|revoke`, parsed by commander: --help on
 * stdout and exit 0 before anything runs, an unknown option or command named on stderr with exit 2.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type Config } from '../config.ts';
import { SCOPES } from '../services/api-key-service.ts';
import { WORKER_START_FAILED } from './cluster.ts';
import { CommandError, reportFailure } from './failure.ts';
import { importCommand, type ImportFlags } from './import/command.ts';
import { exportCommand, type ExportFlags } from './import/export-command.ts';
import { FORMATS } from './import/formats/index.ts';
import { MAX_BATCH_SIZE } from './import/runner.ts';
import { keysCommand, type KeysOptions } from './keys.ts';
import { migrateCommand } from './migrate.ts';
import { eraseCommand } from './erase.ts';
import { serveCommand } from './serve.ts';
import { workerCommand } from './worker.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Exit status of a usage error (unknown command or option, missing or bad argument), as in sysexits' spirit and most CLIs. */
const USAGE_ERROR = 2;

interface SharedFlags {
  databaseUrl?: string;
  logLevel?: string;
  port?: string;
  host?: string;
  workers?: string;
}

/** The flags back into the argv `loadConfig` reads (flags win over the environment). */
function configArgs(flags: SharedFlags): string[] {
  const pairs: Array<[string, string | undefined]> = [
    ['--database-url', flags.databaseUrl],
    ['--log-level', flags.logLevel],
    ['--port', flags.port],
    ['--host', flags.host],
    ['--workers', flags.workers],
  ];
  return pairs.flatMap(([flag, value]) => (value === undefined ? [] : [flag, value]));
}

/**
 * `run` starts a command that needs the server's configuration (a database); `client` one that
 * only talks to a running server over HTTP (import, export) and returns its exit status.
 */
export function buildProgram(
  run: (command: (config: Config) => Promise<number>, flags: SharedFlags) => Promise<void>,
  client: (command: () => Promise<number>) => Promise<void> = async (command) => void (await command()),
): Command {
  const program = new Command('userplane')
    .description('Self-hosted user management: one API and four compatible doors over SQLite or PostgreSQL.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .addOption(new Option('--database-url <url>', 'sqlite:<path> or postgres://… (default sqlite:./data/userplane.db)').env('DATABASE_URL'))
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent').env('LOG_LEVEL'))
    .configureHelp({ showGlobalOptions: true })
    // Set before the commands are added, so they inherit it: errors come back here as exceptions.
    .exitOverride();
  // Flags given before or after the command both count; the command's own merge over the program's.
  const flagsOf = (command: Command): SharedFlags => command.optsWithGlobals<SharedFlags>();

  program
    .command('serve')
    .description('start the HTTP server (migrates first) and the webhook worker')
    .addOption(new Option('--port <port>', 'TCP port to listen on (default 8080)').env('PORT'))
    .addOption(new Option('--host <host>', 'address to listen on (default 127.0.0.1)').env('HOST'))
    .addOption(
      new Option('--workers <n>', 'HTTP worker processes, or auto: one per CPU on PostgreSQL, one on SQLite').env('USERPLANE_WORKERS'),
    )
    .action((_options, command: Command) => run(serveCommand, flagsOf(command)));

  program
    .command('worker')
    .description('deliver webhooks only (set USERPLANE_WEBHOOK_WORKER=off on the serve nodes)')
    .action((_options, command: Command) => run(workerCommand, flagsOf(command)));

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .action((_options, command: Command) => run(migrateCommand, flagsOf(command)));

  program
    .command('erase')
    .description("erase the history of users deleted before this date (USERPLANE_DELETED_USER_HISTORY=redact does it at each delete since this release)")
    .requiredOption('--deleted-before <date>', 'a date (2026-12-01, UTC) or an ISO 8601 time with its zone')
    .action((options: { deletedBefore: string }, command: Command) => run((config) => eraseCommand(config, options), flagsOf(command)));

  const keys = program.command('keys').description('create, list or revoke API keys');
  const env = () => new Option('--env <environment>', 'the environment the key acts in').choices(['test', 'live']).makeOptionMandatory();
  const keysAction = (action: KeysOptions['action']) => (options: Omit<KeysOptions, 'action'>, command: Command) =>
    run((config) => keysCommand(config, { ...options, action }), flagsOf(command));
  keys
    .command('create')
    .description('create a key and print its secret, once')
    .addOption(env())
    .option('--name <name>', 'a name to recognise it by', 'CLI key')
    .option('--scopes <list>', `comma-separated, among ${SCOPES.join(', ')} (default read,write for secret keys, none for publishable)`)
    .addOption(new Option('--type <type>', 'secret or publishable').choices(['secret', 'publishable']).default('secret'))
    .option('--require-user-proof', 'a publishable key accepts an end user only with X-User-Hash or X-User-Token (prints its user proof secret once)')
    .action(keysAction('create'));
  keys.command('list').description('list the keys of an environment').addOption(env()).action(keysAction('list'));
  keys
    .command('revoke')
    .description('revoke a key by its id')
    .addOption(env())
    .argument('<key-id>', 'the id keys list shows (key_…)')
    .action((id: string, options: Omit<KeysOptions, 'action'>, command: Command) =>
      run((config) => keysCommand(config, { ...options, action: 'revoke', id }), flagsOf(command)),
    );
  const url = () => new Option('--url <url>', 'the Userplane server (default http://127.0.0.1:8080)').env('USERPLANE_URL');
  const key = () => new Option('--key <key>', 'a secret API key').env('USERPLANE_KEY');
  program
    .command('import')
    .description('import users from a file through POST /v1/users/batch, with progress, a checkpoint for --resume and an errors file')
    .argument('<file>', 'the export file of the source')
    .addOption(new Option('--from <format>', 'the source format').choices(Object.keys(FORMATS)).makeOptionMandatory())
    .addOption(url())
    .addOption(key())
    .option('--passwords <file>', "auth0-export: Auth0 support's password hash file (JSON array or NDJSON)")
    .option('--hash-config <file>', "firebase: the project's hash parameters as the Firebase console shows them (JSON)")
    .option('--dry-run', 'validate and plan every record on the server, write nothing, report what would happen')
    .option('--resume', 'continue the unfinished import of this file from its checkpoint')
    .option('--errors <file>', 'where failed records go, in the source format (default: <name>.errors<ext> beside the input)')
    .option('--batch-size <n>', `records per request, 1 to ${MAX_BATCH_SIZE}`, String(MAX_BATCH_SIZE))
    .option('--concurrency <n>', 'requests in flight at once', '3')
    .action((file: string, options: ImportFlags) => client(() => importCommand(file, options)));

  program
    .command('export')
    .description('export every user of the key\'s environment as NDJSON (the format import --from userplane reads)')
    .addOption(url())
    .addOption(key())
    .option('--out <file>', 'write to this file (default: stdout)')
    .option('--include-password-hashes', 'include each password hash exactly as stored (needs the admin scope; recorded in the audit log)')
    .action((options: ExportFlags) => client(() => exportCommand(options)));
  return program;
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram(async (command, flags) => {
    let config: Config | null = null;
    try {
      config = loadConfig(process.env, configArgs(flags));
      code = await command(config);
    } catch (error) {
      reportFailure(error, config, flags.logLevel ?? process.env.LOG_LEVEL);
      code = error instanceof CommandError ? error.exitCode : cluster.isWorker ? WORKER_START_FAILED : 1;
      // Whatever was opened before the failure (a pool, a timer) must not keep the process alive.
      process.exit(code);
    }
  }, async (command) => {
    code = await command();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help and version asked for are a success (exit code 0); anything else was a usage error,
    // which commander has already named on stderr.
    return error.exitCode === 0 ? 0 : USAGE_ERROR;
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    reportFailure(error, null, process.env.LOG_LEVEL);
    process.exitCode = 1;
  },
);
