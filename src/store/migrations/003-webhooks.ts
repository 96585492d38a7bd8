import { sql, type Kysely } from 'kysely';

// Frozen: webhooks (issue 6). Events gain the user as it was after the change; endpoints and their
// deliveries form the outbox the delivery worker drains.
export const migration003 = {
  async up(db: Kysely<any>): Promise<void> {
    // Public user JSON after the change (before it, for a deletion); null on events older than this.
    await db.schema.alterTable('user_events').addColumn('snapshot', 'text').execute();

    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('event_types', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      // The worker must sign with it, so it is kept as it is (like an SMTP password), never hashed.
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('previous_secret', 'text')
      .addColumn('previous_secret_expires_at', 'text')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('healthy'))
      .addColumn('failure_reason', 'text')
      .addColumn('failing_since', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_endpoints_environment_idx').on('webhook_endpoints').columns(['environment', 'id']).execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('event_seq', 'bigint', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text')
      // Retries stop a retry window after this (the event's time, or a manual retry's).
      .addColumn('retry_from', 'text', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // One delivery per event and endpoint, whatever races happen.
    await db.schema.createIndex('webhook_deliveries_event_key').on('webhook_deliveries').columns(['endpoint_id', 'event_seq']).unique().execute();
    // Partial indexes keep the claim and the per-user order check small: only pending rows are in
    // them, and a claim walks the due ones in order and stops at its limit.
    await db.schema
      .createIndex('webhook_deliveries_due_idx')
      .on('webhook_deliveries')
      .columns(['next_attempt_at', 'event_seq'])
      .where(sql<boolean>`state = 'pending'`)
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_user_idx')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'user_id', 'event_seq'])
      .where(sql<boolean>`state = 'pending'`)
      .execute();

    await db.schema
      .createTable('webhook_attempts')
      .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('succeeded', 'integer', (c) => c.notNull())
      .addColumn('http_status', 'integer')
      .addColumn('latency_ms', 'integer', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_attempts_delivery_idx').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute();
  },
};
