import type { Kysely } from 'kysely';

// Frozen: password verifies per user, for the failed-verify limit (issue 12, item 2).
export const migration005 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('password_attempts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('attempted_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('password_attempts_user_idx').on('password_attempts').columns(['user_id', 'attempted_at']).execute();
  },
};
