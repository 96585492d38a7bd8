import type { Kysely } from 'kysely';

// Frozen: users whose password must come from the password migration hook (issue 15, item 5).
export const migration009 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable('users')
      .addColumn('password_migration_pending', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
