import { sql, type Kysely } from 'kysely';

// Frozen: an import must not bury live webhook deliveries (issue 15). Deliveries of events an import
// caused are marked bulk and claimed after every due live one of their endpoint; an endpoint may
// take no import events at all (include_imports = 0).
export const migration010 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('webhook_endpoints').addColumn('include_imports', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('webhook_deliveries').addColumn('bulk', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    // An endpoint's first due delivery, live ones first: walks this index in order.
    await db.schema
      .createIndex('webhook_deliveries_endpoint_bulk_due_idx')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'bulk', 'next_attempt_at', 'event_seq'])
      .where(sql<boolean>`state = 'pending'`)
      .execute();
  },
};
