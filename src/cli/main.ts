/** `userplane serve | worker | migrate | keys …` */
import { ConfigError, loadConfig } from '../config.ts';
import { keysCommand } from './keys.ts';
import { migrateCommand } from './migrate.ts';
import { serveCommand } from './serve.ts';
import { workerCommand } from './worker.ts';

const USAGE = `Usage: userplane <command> [options]

Commands:
  serve [--workers N|auto]  start the HTTP server (migrates first) and the webhook worker; auto is
                            one worker process per CPU on PostgreSQL, one on SQLite
  worker                    deliver webhooks only (USERPLANE_WEBHOOK_WORKER=off on serve nodes)
  migrate                   bring the database schema up to date
  keys create --env test|live --name NAME [--scopes read,write,admin] [--type secret|publishable] [--require-user-proof]
  keys list   --env test|live
  keys revoke --env test|live KEY_ID

Options (or the environment variables of the same meaning):
  --port (PORT)  --host (HOST)  --database-url (DATABASE_URL)  --log-level (LOG_LEVEL)
  --workers (USERPLANE_WORKERS)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig(process.env, rest);
  switch (command) {
    case 'serve':
      return serveCommand(config);
    case 'migrate':
      return migrateCommand(config);
    case 'worker':
      return workerCommand(config);
    case 'keys':
      return keysCommand(config, rest);
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exitCode = 1;
  },
);
