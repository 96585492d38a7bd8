import type { Kysely } from 'kysely';

// Frozen: identities and email verification codes (issue 3).
export const migration002 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('identities')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('provider_user_id', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    // Mapped to a conflict on "identity" in ../unique-violation.ts.
    await db.schema.createIndex('identities_provider_key').on('identities').columns(['environment', 'provider', 'provider_user_id']).unique().execute();
    await db.schema.createIndex('identities_user_idx').on('identities').columns(['user_id']).execute();

    await db.schema
      .createTable('email_verifications')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('email_verification_sends')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('sent_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('email_verification_sends_idx').on('email_verification_sends').columns(['user_id', 'sent_at']).execute();
  },
};
