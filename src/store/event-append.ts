/**
 * Appending an event and queueing its webhook deliveries (the outbox), shared by events.append
 * and users.updateAndAppend. The enabled endpoints come from the per-process cache
 * (./endpoint-cache.ts), checked against webhook_endpoint_version inside the same transaction.
 */
import type { Kysely } from 'kysely';
import { newId } from '../domain/ids.ts';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhooks.ts';
import type { Capabilities } from './capabilities.ts';
import type { EventQueries } from './contract.ts';
import type { CachedEndpoints, EndpointCache } from './endpoint-cache.ts';
import { storedSnapshot } from './event-snapshots.ts';
import { runPrepared } from './prepared.ts';
import type { Database } from './schema.ts';
import { queueDeliveries, queuedFor, readEndpoints, subscribedEndpoints, takingType, type EndpointSubscription } from './webhook-queries.ts';

export type NewEvent = Parameters<EventQueries['append']>[0];

/** The event's user_events row but its snapshot, every column always in this order (prepared inserts bind them positionally). */
export function eventRow(event: NewEvent) {
  return {
    id: event.id,
    environment: event.environment,
    user_id: event.user_id,
    type: event.type,
    actor: event.actor,
    request_id: event.request_id,
    door: event.door,
    changes: JSON.stringify(event.changes),
    created_at: event.created_at,
  };
}

/**
 * What the event keeps for webhook payloads, serialised: the user (a group) only when an enabled
 * endpoint takes the type, agreeing with the deliveries queued; nothing for an audit entry that is
 * never sent (user.exported); a user's metadata as its keys only, so the event is sized by the
 * change (./event-snapshots.ts rebuilds the values when it is read).
 */
export function snapshotFor(event: Pick<NewEvent, 'type' | 'snapshot'>, endpoints: EndpointSubscription[]): string | null {
  if (!event.snapshot || !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event.type) || takingType(endpoints, event.type).length === 0) return null;
  return storedSnapshot({ type: event.type, snapshot: event.snapshot });
}

function withoutBulk(event: NewEvent) {
  const { bulk: _bulk, ...stored } = event;
  return stored;
}

/** SQLite: the version is read under the write lock the transaction holds, so no change can commit between this check and the event's commit. */
export async function appendOneAtATime(db: Kysely<Database>, caps: Capabilities, cache: EndpointCache, event: NewEvent): Promise<void> {
  const [current] = await runPrepared(db, caps, 'webhooks.endpointVersion', () => db.selectFrom('webhook_endpoint_version').select('version').where('id', '=', 1), [1]);
  const version = Number(current?.version ?? 0);
  let known = cache.latest(event.environment);
  if (known?.version !== version) {
    known = { version, endpoints: await subscribedEndpoints(db, caps, event.environment) };
    cache.store(event.environment, version, known.endpoints);
  }
  const row = eventRow(event);
  if (takingType(known.endpoints, event.type).length === 0) {
    // No endpoint takes it (the usual case): no snapshot to serialise or keep, no seq to queue by.
    await runPrepared(db, caps, 'events.appendUntaken', () => db.insertInto('user_events').values({ ...row, snapshot: null }), [...Object.values(row), null]);
    return;
  }
  const values = { ...row, snapshot: snapshotFor(event, known.endpoints) };
  const [inserted] = await runPrepared(db, caps, 'events.append', () => db.insertInto('user_events').values(values).returning('seq'), Object.values(values));
  await queueDeliveries(db, { ...withoutBulk(event), seq: Number(inserted!.seq), bulk: event.bulk }, known.endpoints);
}

/**
 * PostgreSQL: the event, its deliveries to the cached endpoints and the endpoints' version, in one
 * statement; the deliveries are inserted only if that version is still the cached one. `after`
 * names a CTE the event depends on (an update: no row updated, no event). The caller runs
 * `with <ctes> select <select>` (more CTEs before, more columns after, as it needs) with `values`
 * bound from `$offset + 1` on, then passes the result row to `finish`.
 */
export function appendStatement(cache: EndpointCache, event: NewEvent, offset: number, after?: string) {
  const known = cache.latest(event.environment);
  const queued = known ? queuedFor(known.endpoints, event.type, event.bulk) : [];
  const snapshot = known ? snapshotFor(event, known.endpoints) : null;
  const values = [...Object.values(eventRow(event)), snapshot, event.bulk ? 1 : 0, queued.map(() => newId('whd')), queued.map((e) => e.id), known?.version ?? -1];
  const finish = finisher(cache, event, known, snapshot);
  return { ...appendStatementText(offset, after), values, finish };
}

const SELECT = '(select seq from e) as seq, (select version from v) as version';

/** appendStatement's text alone (it depends only on `offset` and `after`), for a caller that keeps whole statements. */
export function appendStatementText(offset: number, after?: string): { ctes: string; select: string } {
  return { ctes: appendCtes(offset, after), select: SELECT };
}

const texts = new Map<string, string>();

/** The statement's text depends only on where its values start and what it follows: made once each. */
function appendCtes(offset: number, after: string | undefined): string {
  const key = `${offset}:${after ?? ''}`;
  let text = texts.get(key);
  if (text !== undefined) return text;
  const $ = (n: number) => `$${offset + n}`;
  text = `e as (
  insert into user_events (id, environment, user_id, type, actor, request_id, door, changes, created_at, snapshot)
  select ${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map($).join(', ')}${after ? ` from ${after}` : ''} returning seq
), v as (
  select version from webhook_endpoint_version where id = 1
), d as (
  insert into webhook_deliveries (id, endpoint_id, environment, event_seq, event_id, event_type, user_id, state, attempts, next_attempt_at, retry_from, lease_owner, lease_until, created_at, updated_at, bulk)
  select q.id, q.endpoint_id, ${$(2)}, e.seq, ${$(1)}, ${$(4)}, ${$(3)}, 'pending', 0, ${$(9)}, ${$(9)}, null, null, ${$(9)}, ${$(9)}, ${$(11)}::integer
  from e, v, unnest(${$(12)}::text[], ${$(13)}::text[]) as q(id, endpoint_id)
  where v.version = ${$(14)}
)`;
  texts.set(key, text);
  return text;
}

function finisher(cache: EndpointCache, event: NewEvent, known: CachedEndpoints | null, snapshot: string | null) {
  /**
   * Done when the version was the cached one; otherwise (rare: a change this process has not heard
   * of yet) the endpoints are read again in this transaction and the event gets what it is owed.
   */
  return async (db: Kysely<Database>, caps: Capabilities, result: { seq: string | number | null; version: string | number | null }) => {
    if (result.seq === null) return;
    if (known && Number(result.version) === known.version) return;
    const seq = Number(result.seq);
    const fresh = await readEndpoints(db, caps, event.environment);
    cache.store(event.environment, fresh.version, fresh.endpoints);
    const kept = snapshotFor(event, fresh.endpoints);
    if (kept !== snapshot) await db.updateTable('user_events').set({ snapshot: kept }).where('seq', '=', seq).execute();
    await queueDeliveries(db, { ...withoutBulk(event), seq, bulk: event.bulk }, fresh.endpoints);
  };
}
