import { sql, type Kysely } from 'kysely';

// Frozen: retention and erasure (issue 16). The retention sweeps delete old rows in small batches,
// and each batch must find its rows by index.
export const migration011 = {
  async up(db: Kysely<any>): Promise<void> {
    // Finished deliveries by age: what the delivery retention deletes (pending ones are never pruned).
    await db.schema
      .createIndex('webhook_deliveries_finished_idx')
      .on('webhook_deliveries')
      .columns(['created_at'])
      .where(sql<boolean>`state <> 'pending'`)
      .execute();
    // An event still owed to an endpoint is kept past its retention: the event sweep asks, per event.
    await db.schema.createIndex('webhook_deliveries_event_idx').on('webhook_deliveries').columns(['event_seq']).execute();
    // The erasure of users deleted before this release finds them by their user.deleted events.
    await db.schema
      .createIndex('user_events_deleted_idx')
      .on('user_events')
      .columns(['created_at', 'seq'])
      .where(sql<boolean>`type = 'user.deleted'`)
      .execute();
  },
};
