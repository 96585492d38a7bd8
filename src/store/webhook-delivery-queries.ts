/** Webhook deliveries: claiming due ones under a lease, recording attempts, listing them for admins. */
import type { Kysely } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { Database } from './schema.ts';
import type { DeliveryWithAttempts, WebhookDelivery, WebhookQueries } from './webhook-contract.ts';
import { fromAttemptRow, fromDeliveryRow, fromEndpointRow, fromEventRow } from './webhook-rows.ts';

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
    async claimDue({ now, limit, leaseOwner, leaseUntil }) {
      const due = await db
        .selectFrom('webhook_deliveries as d')
        .select('d.id')
        .where('d.state', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', now)]))
        // Correlated rather than `endpoint_id IN (…)`, which would lead SQLite to walk every delivery
        // of the endpoint, history included, instead of the partial index of due ones.
        .where((eb) => eb.exists(eb.selectFrom('webhook_endpoints as e').select('e.id').whereRef('e.id', '=', 'd.endpoint_id').where('e.enabled', '=', 1)))
        // Per-user order: nothing goes out while an earlier event of the same user to the same
        // endpoint is unfinished (in flight, or waiting for its retry).
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('webhook_deliveries as p')
                .select('p.id')
                .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
                .whereRef('p.user_id', '=', 'd.user_id')
                .where('p.state', '=', 'pending')
                .whereRef('p.event_seq', '<', 'd.event_seq'),
            ),
          ),
        )
        // Longest due first; a user's own events are kept in order by the check above.
        .orderBy('d.next_attempt_at')
        .orderBy('d.event_seq')
        .limit(limit)
        .$if(caps.skipLocked, (q) => q.forUpdate(['d']).skipLocked())
        .execute();
      if (due.length === 0) return [];
      const ids = due.map((row) => row.id);
      await db.updateTable('webhook_deliveries').set({ lease_owner: leaseOwner, lease_until: leaseUntil }).where('id', 'in', ids).execute();

      const deliveries = (await db.selectFrom('webhook_deliveries').selectAll().where('id', 'in', ids).orderBy('event_seq').execute()).map(fromDeliveryRow);
      const endpointIds = [...new Set(deliveries.map((d) => d.endpoint_id))];
      const endpoints = (await db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', endpointIds).execute()).map(fromEndpointRow);
      const events = (await db.selectFrom('user_events').selectAll().where('seq', 'in', deliveries.map((d) => d.event_seq)).execute()).map(fromEventRow);
      return deliveries.flatMap((delivery) => {
        const endpoint = endpoints.find((e) => e.id === delivery.endpoint_id);
        const event = events.find((e) => e.seq === delivery.event_seq);
        return endpoint && event ? [{ delivery, endpoint, event }] : [];
      });
    },

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
      // `before` walks up from the cursor (newer events), then flips the page back to newest first.
      const cursor = before ?? after;
      const upwards = before !== undefined;
      const rows = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('environment', '=', environment)
        .where('endpoint_id', '=', endpointId)
        .$if(state !== undefined, (q) => q.where('state', '=', state!))
        .$if(cursor !== undefined, (q) =>
          q.where('event_seq', upwards ? '>' : '<', db.selectFrom('webhook_deliveries').select('event_seq').where('id', '=', cursor!).where('endpoint_id', '=', endpointId)),
        )
        .orderBy('event_seq', upwards ? 'asc' : 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit).map(fromDeliveryRow);
      const items = await withAttempts(upwards ? page.reverse() : page);
      return { items, hasMore: rows.length > limit };
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
