import type { Config } from '../config.ts';
import { redactUrl } from '../config.ts';
import { openConnection } from '../store/connection.ts';
import { connectionOptions } from './database.ts';
import { migrateToLatest } from '../store/migrate.ts';

export async function migrateCommand(config: Config): Promise<number> {
  const { db, capabilities } = openConnection(config.databaseUrl, connectionOptions(config));
  try {
    const applied = await migrateToLatest(db, capabilities);
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : `${redactUrl(config.databaseUrl)} is up to date`);
    return 0;
  } finally {
    await db.destroy();
  }
}
