import type { Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

// Frozen: written against Kysely<any> so later schema types never change what this did.
export function migration001(caps: Capabilities) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('email_norm', 'text')
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('pending_email', 'text')
        .addColumn('username', 'text')
        .addColumn('username_norm', 'text')
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('name', 'text')
        .addColumn('role', 'text')
        .addColumn('external_id', 'text')
        .addColumn('locale', 'text')
        .addColumn('phone', 'text')
        .addColumn('avatar_url', 'text')
        .addColumn('bio', 'text')
        .addColumn('birthday', 'text')
        .addColumn('country', 'text')
        .addColumn('location', 'text')
        .addColumn('organization', 'text')
        .addColumn('title', 'text')
        .addColumn('twitter', 'text')
        .addColumn('regions', 'text')
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('last_seen_at', 'text')
        .addColumn('last_typed_at', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extensions', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('password_hash', 'text')
        .addColumn('password_hash_type', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // The unique indexes are the truth about uniqueness; their names are mapped to fields in
      // ../unique-violation.ts.
      await db.schema.createIndex('users_email_key').on('users').columns(['environment', 'email_norm']).unique().execute();
      await db.schema.createIndex('users_username_key').on('users').columns(['environment', 'username_norm']).unique().execute();
      await db.schema.createIndex('users_external_id_key').on('users').columns(['environment', 'external_id']).unique().execute();
      await db.schema.createIndex('users_environment_id_idx').on('users').columns(['environment', 'id']).execute();

      await db.schema
        .createTable('user_events')
        .addColumn('seq', caps.autoIncrementType, (c) => (caps.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('door', 'text', (c) => c.notNull())
        .addColumn('changes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('user_events_user_idx').on('user_events').columns(['environment', 'user_id', 'seq']).execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('preview', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_keys_environment_idx').on('api_keys').columns(['environment', 'id']).execute();
    },
  };
}
