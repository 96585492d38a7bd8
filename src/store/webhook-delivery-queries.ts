/** Webhook deliveries: claiming due ones (./webhook-claim.ts), recording attempts, listing them for admins. */
import type { Kysely } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { Database } from './schema.ts';
import type { DeliveryWithAttempts, WebhookDelivery, WebhookQueries } from './webhook-contract.ts';
import { claimDue } from './webhook-claim.ts';
import { fromAttemptRow, fromDeliveryRow } from './webhook-rows.ts';
import { pageOf, walkOf } from './paging.ts';

type DeliveryQueries = Pick<WebhookQueries, 'claimDue' | 'recordAttempt' | 'listDeliveries' | 'findDelivery' | 'requeue' | 'countPending'>;

export function createDeliveryQueries(db: Kysely<Database>, caps: Capabilities): DeliveryQueries {
  async function withAttempts(deliveries: WebhookDelivery[]): Promise<DeliveryWithAttempts[]> {
    if (deliveries.length === 0) return [];
    const rows = await db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', 'in', deliveries.map((d) => d.id))
      .orderBy('created_at')
      .orderBy('attempt')
      .execute();
    const attempts = rows.map(fromAttemptRow);
    return deliveries.map((d) => ({ ...d, attempt_log: attempts.filter((a) => a.delivery_id === d.id) }));
  }

  return {
    async countPending() {
      const row = await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number | string>().as('n')).where('state', '=', 'pending').executeTakeFirstOrThrow();
      return Number(row.n);
    },
    claimDue: (options) => claimDue(db, caps, options),

    async recordAttempt(leaseOwner, attempt, next) {
      await db
        .insertInto('webhook_attempts')
        .values({ ...attempt, succeeded: attempt.succeeded ? 1 : 0 })
        .execute();
      const result = await db
        .updateTable('webhook_deliveries')
        .set({ ...next, attempts: attempt.attempt, lease_owner: null, lease_until: null, updated_at: attempt.created_at })
        .where('id', '=', attempt.delivery_id)
        .where('lease_owner', '=', leaseOwner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async listDeliveries(environment, endpointId, { limit, after, before, state }) {
      // Newest first; `before` walks up from the cursor (newer events).
      const walk = walkOf({ after, before }, 'desc');
      const rows = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('environment', '=', environment)
        .where('endpoint_id', '=', endpointId)
        .$if(state !== undefined, (q) => q.where('state', '=', state!))
        .$if(walk.cursor !== undefined, (q) =>
          q.where('event_seq', walk.past, db.selectFrom('webhook_deliveries').select('event_seq').where('id', '=', walk.cursor!).where('endpoint_id', '=', endpointId)),
        )
        .orderBy('event_seq', walk.walk)
        .limit(limit + 1)
        .execute();
      const page = pageOf(rows, limit, walk, fromDeliveryRow);
      return { items: await withAttempts(page.items), hasMore: page.hasMore };
    },

    async findDelivery(environment, endpointId, deliveryId) {
      const row = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('id', '=', deliveryId)
        .where('endpoint_id', '=', endpointId)
        .where('environment', '=', environment)
        .executeTakeFirst();
      return row ? ((await withAttempts([fromDeliveryRow(row)]))[0] ?? null) : null;
    },

    async requeue(environment, endpointId, deliveryId, now) {
      const result = await db
        .updateTable('webhook_deliveries')
        .set({ state: 'pending', next_attempt_at: now, retry_from: now, updated_at: now })
        .where('id', '=', deliveryId)
        .where('endpoint_id', '=', endpointId)
        .where('environment', '=', environment)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
