import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import { migration001 } from './migrations/001-initial.ts';
import { migration002 } from './migrations/002-credentials.ts';
import { migration003 } from './migrations/003-webhooks.ts';
import { migration004 } from './migrations/004-idempotency.ts';

/** Numbered migrations, in order. Never edit one that has landed; add the next number. */
function migrations(caps: Capabilities): Record<string, Migration> {
  return {
    '001-initial': migration001(caps),
    '002-credentials': migration002,
    '003-webhooks': migration003,
    '004-idempotency': migration004,
  };
}

export async function migrateToLatest(db: Kysely<any>, caps: Capabilities): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(caps) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
