import { sql, type Kysely } from 'kysely';

// Frozen: fair webhook delivery (issue 12). A claim takes the first due deliveries of each endpoint
// and counts each endpoint's deliveries in flight; both walk small partial indexes.
export const migration008 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createIndex('webhook_deliveries_endpoint_due_idx')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'next_attempt_at', 'event_seq'])
      .where(sql<boolean>`state = 'pending'`)
      .execute();
    // Leased rows only: the deliveries in flight (and leases of killed workers until retaken).
    await db.schema
      .createIndex('webhook_deliveries_leased_idx')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'lease_until'])
      .where(sql<boolean>`state = 'pending' and lease_until is not null`)
      .execute();
  },
};
