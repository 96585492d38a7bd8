import { sql, type Kysely } from 'kysely';

// Frozen: events sized by the change (issue 16, item 3). A pending delivery's payload is rebuilt
// from the later events of its subject, so the event sweep keeps those too: it asks, per event,
// whether the subject has a pending delivery at or before it.
export const migration014 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createIndex('webhook_deliveries_pending_subject_idx')
      .on('webhook_deliveries')
      .columns(['user_id', 'event_seq'])
      .where(sql<boolean>`state = 'pending'`)
      .execute();
  },
};
