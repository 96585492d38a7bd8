/**
 * Claiming due webhook deliveries under a lease, fairly: in rounds that each take at most the
 * first due delivery of every endpoint (so no endpoint's backlog crowds out another's), within
 * what each environment and each endpoint has room for; within a round, longest due first.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import { wholeSnapshots } from './event-snapshots.ts';
import type { Database } from './schema.ts';
import type { ClaimedDelivery, ClaimOptions } from './webhook-contract.ts';
import { fromDeliveryRow, fromEndpointRow, fromEventRow } from './webhook-rows.ts';

type Builder = ExpressionBuilder<Database & { e: Database['webhook_endpoints'] }, 'e'>;

/**
 * The endpoint's first due delivery that may go now, as "<next_attempt_at> <id>" (ISO-8601 text
 * orders as time on both databases, so one scalar carries the due time and the id): unleased (or
 * its lease expired), and not behind an unfinished earlier delivery of the same user to the same
 * endpoint (per-user order). With skipLocked, rows another claim is taking are passed over.
 */
function firstDue(eb: Builder, now: string, skipLocked: boolean, taken: string[]) {
  return eb
    .selectFrom('webhook_deliveries as x')
    // Live deliveries first (bulk 0), then an import's (bulk 1): "<bulk> <next_attempt_at> <id>".
    .select(sql<string>`x.bulk || ' ' || x.next_attempt_at || ' ' || x.id`.as('head'))
    .whereRef('x.endpoint_id', '=', 'e.id')
    .where('x.state', '=', 'pending')
    .where('x.next_attempt_at', '<=', now)
    .where((w) => w.or([w('x.lease_until', 'is', null), w('x.lease_until', '<=', now)]))
    // What this claim took in earlier rounds (its lease may already count as expired at `now`).
    .$if(taken.length > 0, (q) => q.where('x.id', 'not in', taken))
    .where((w) =>
      w.not(
        w.exists(
          w
            .selectFrom('webhook_deliveries as p')
            .select('p.id')
            .whereRef('p.endpoint_id', '=', 'x.endpoint_id')
            .whereRef('p.user_id', '=', 'x.user_id')
            .where('p.state', '=', 'pending')
            .whereRef('p.event_seq', '<', 'x.event_seq'),
        ),
      ),
    )
    .orderBy('x.bulk')
    .orderBy('x.next_attempt_at')
    .orderBy('x.event_seq')
    .limit(1)
    .$if(skipLocked, (q) => q.forUpdate().skipLocked());
}

/** Deliveries in flight to the endpoint: leased by any worker, lease not yet expired. */
function inFlight(eb: Builder, now: string) {
  return eb
    .selectFrom('webhook_deliveries as l')
    .select((c) => c.fn.countAll<number | string>().as('n'))
    .whereRef('l.endpoint_id', '=', 'e.id')
    .where('l.state', '=', 'pending')
    .where('l.lease_until', '>', now);
}

interface Candidate {
  endpoint: string;
  environment: string;
  /** "0" live, "1" an import's: live ones are picked first in every round. */
  bulk: string;
  due: string;
  id: string;
}

/** Must run in a transaction (see WebhookQueries.claimDue). */
export async function claimDue(db: Kysely<Database>, caps: Capabilities, options: ClaimOptions): Promise<ClaimedDelivery[]> {
  const { now, limit, leaseOwner, leaseUntil, perEnvironment, endpointConcurrency } = options;
  const capped = endpointConcurrency !== undefined;
  /** Room left per environment (without perEnvironment only `limit` counts) and per endpoint (capped only). */
  const envRoom = new Map(Object.entries(perEnvironment ?? {}));
  const endpointRoom = new Map<string, number>();
  const roomAt = (endpoint: string) => endpointRoom.get(endpoint) ?? Infinity;
  const ids: string[] = [];
  let only: string[] | null = null;

  for (let round = 0; ids.length < limit; round++) {
    const environments = perEnvironment ? [...envRoom].filter(([, n]) => n > 0).map(([env]) => env) : null;
    if (environments?.length === 0 || only?.length === 0) break;
    const rows = await db
      .selectFrom('webhook_endpoints as e')
      .select(['e.id', 'e.environment'])
      .select((eb) => firstDue(eb, now, caps.skipLocked, ids).as('head'))
      .$if(capped && round === 0, (q) => q.select((eb) => inFlight(eb, now).as('in_flight')))
      .where('e.enabled', '=', 1)
      .$if(environments !== null, (q) => q.where('e.environment', 'in', environments!))
      .$if(only !== null, (q) => q.where('e.id', 'in', only!))
      .execute();
    if (capped && round === 0) {
      for (const row of rows) endpointRoom.set(row.id, endpointConcurrency - Number((row as { in_flight?: number | string }).in_flight ?? 0));
    }
    const candidates: Candidate[] = rows
      .filter((row) => typeof row.head === 'string' && roomAt(row.id) > 0)
      .map((row) => {
        const [bulk, due, id] = row.head!.split(' ') as [string, string, string];
        return { endpoint: row.id, environment: row.environment, bulk, due, id };
      })
      .sort((a, b) => (a.bulk !== b.bulk ? (a.bulk < b.bulk ? -1 : 1) : a.due < b.due ? -1 : a.due > b.due ? 1 : 0));

    const picked: Candidate[] = [];
    for (const c of candidates) {
      if (ids.length + picked.length >= limit) break;
      if (perEnvironment && !((envRoom.get(c.environment) ?? 0) > 0)) continue;
      picked.push(c);
      if (perEnvironment) envRoom.set(c.environment, envRoom.get(c.environment)! - 1);
      if (capped) endpointRoom.set(c.endpoint, roomAt(c.endpoint) - 1);
    }
    if (picked.length === 0) break;
    const pickedIds = picked.map((c) => c.id);
    await db.updateTable('webhook_deliveries').set({ lease_owner: leaseOwner, lease_until: leaseUntil }).where('id', 'in', pickedIds).execute();
    ids.push(...pickedIds);
    // Only an endpoint that just had a due delivery, and has room left, can have another.
    only = picked.filter((c) => roomAt(c.endpoint) > 0).map((c) => c.endpoint);
  }
  if (ids.length === 0) return [];

  const deliveries = (await db.selectFrom('webhook_deliveries').selectAll().where('id', 'in', ids).orderBy('event_seq').execute()).map(fromDeliveryRow);
  const endpointIds = [...new Set(deliveries.map((d) => d.endpoint_id))];
  const endpoints = (await db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', endpointIds).execute()).map(fromEndpointRow);
  const stored = (await db.selectFrom('user_events').selectAll().where('seq', 'in', deliveries.map((d) => d.event_seq)).execute()).map(fromEventRow);
  // The user as of each event, as the payload shows it (./event-snapshots.ts).
  const events = await wholeSnapshots(db, stored);
  return deliveries.flatMap((delivery) => {
    const endpoint = endpoints.find((e) => e.id === delivery.endpoint_id);
    const event = events.find((e) => e.seq === delivery.event_seq);
    return endpoint && event ? [{ delivery, endpoint, event }] : [];
  });
}
