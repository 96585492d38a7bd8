/**
 * How an event keeps the user it is about (issue 16, item 3: events sized by the change, not by
 * the user).
 *
 * A webhook payload shows the whole user as of its event, so an event that an endpoint takes keeps
 * a snapshot of the user. Metadata may be 16 KB, and repeating it in every such event made a
 * 300-byte change write 16 KB. So a user snapshot is stored with `metadata` as the list of its
 * keys in order (an array, which metadata never is), and the values are put back when the event
 * is read: the metadata as of an event is the user's metadata now (none once deleted) with every
 * later event's metadata change undone, newest first. Every event keeps the previous and current
 * values of the keys it changed, and a user.deleted the whole metadata it removed, so the later
 * events hold what was overwritten since. The key list (at most 50 keys) keeps the key order, so
 * a payload is the same, byte for byte, whenever it is rendered.
 *
 * What this asks of the rest of the store: a user's later events stay while an earlier one is
 * still owed to an endpoint (RetentionQueries.pruneEventsBatch). An erased history (issue 16,
 * item 1) leaves nothing to rebuild from: an event read as its user's history is erased comes
 * back erased, as the erasure leaves it.
 */
import type { Kysely } from 'kysely';
import { isJsonObject, undoMetadataChange } from '../domain/metadata.ts';
import { isRedactedChangeSet, redactChanges } from '../domain/redaction.ts';
import type { ChangeSet, JsonObject } from '../domain/user.ts';
import { isGroupEvent, type UserEvent } from './contract.ts';
import type { Database } from './schema.ts';

/** The snapshot column's text for this event: a user's metadata as its key list; null when none is kept. */
export function storedSnapshot(event: Pick<UserEvent, 'type' | 'snapshot'>): string | null {
  const snapshot = event.snapshot;
  if (snapshot === null) return null;
  if (isGroupEvent(event) || !('metadata' in snapshot) || !isJsonObject(snapshot.metadata)) return JSON.stringify(snapshot);
  // In the metadata's own place, so the rebuilt user lists its fields in the same order.
  return JSON.stringify({ ...snapshot, metadata: Object.keys(snapshot.metadata) });
}

/** A user snapshot stored with its metadata keys only (storedSnapshot). */
function keysOnly(event: UserEvent): string[] | null {
  if (event.snapshot === null || isGroupEvent(event)) return null;
  const metadata = (event.snapshot as { metadata?: unknown }).metadata;
  return Array.isArray(metadata) ? (metadata as string[]) : null;
}

/** The metadata as of each wanted event (a user.deleted: as it was when deleted); null where the history is erased. */
async function metadataAsOf(db: Kysely<Database>, environment: string, userId: string, wanted: UserEvent[]): Promise<Map<number, JsonObject | null>> {
  const newestFirst = [...new Map(wanted.map((event) => [event.seq, event])).values()].sort((a, b) => b.seq - a.seq);
  const oldest = newestFirst.at(-1)!.seq;
  // The user first, then the events: every event the user row reflects is then read too. Events
  // committed in between are read as well, and undoing them first leads back to the row as read
  // (each undo sets the keys it names to what they were before it).
  const user = await db.selectFrom('users').select('metadata').where('environment', '=', environment).where('id', '=', userId).executeTakeFirst();
  const later = await db
    .selectFrom('user_events')
    .select(['seq', 'type', 'changes'])
    .where('environment', '=', environment)
    .where('user_id', '=', userId)
    .where('seq', '>=', oldest)
    .orderBy('seq', 'desc')
    .execute();

  let metadata: JsonObject = user ? (JSON.parse(user.metadata) as JsonObject) : {};
  let erased = false;
  const found = new Map<number, JsonObject | null>();
  let next = 0;
  const settle = () => found.set(newestFirst[next++]!.seq, erased ? null : metadata);
  for (const row of later) {
    const seq = Number(row.seq);
    while (next < newestFirst.length && newestFirst[next]!.seq > seq) settle();
    const changes = JSON.parse(row.changes) as ChangeSet;
    if (isRedactedChangeSet(changes)) erased = true;
    const own = next < newestFirst.length && newestFirst[next]!.seq === seq ? newestFirst[next]! : null;
    // An event's state is the user after it; a deletion's is the user it deleted, before it.
    if (own && own.type !== 'user.deleted') settle();
    if (!erased && changes.metadata) metadata = undoMetadataChange(metadata, changes.metadata);
    if (own && own.type === 'user.deleted') settle();
  }
  while (next < newestFirst.length) settle();
  return found;
}

/**
 * The events with their user snapshots whole: the metadata as of each event put back in place of
 * its key list. An event whose user's history has been erased since it was read comes back erased.
 * Reads the user and their later events once per user; events already whole cost nothing.
 */
export async function wholeSnapshots(db: Kysely<Database>, events: UserEvent[]): Promise<UserEvent[]> {
  const bySubject = new Map<string, UserEvent[]>();
  for (const event of events) {
    if (keysOnly(event) === null) continue;
    const subject = `${event.environment}\u0000${event.user_id}`;
    bySubject.set(subject, [...(bySubject.get(subject) ?? []), event]);
  }
  if (bySubject.size === 0) return events;
  const asOf = new Map<number, JsonObject | null>();
  for (const wanted of bySubject.values()) {
    for (const [seq, metadata] of await metadataAsOf(db, wanted[0]!.environment, wanted[0]!.user_id, wanted)) asOf.set(seq, metadata);
  }
  return events.map((event) => {
    const keys = keysOnly(event);
    if (keys === null) return event;
    const metadata = asOf.get(event.seq);
    if (!metadata) return { ...event, changes: redactChanges(event.changes), snapshot: null };
    const whole = Object.fromEntries(keys.filter((key) => Object.hasOwn(metadata, key)).map((key) => [key, metadata[key]!]));
    return { ...event, snapshot: { ...event.snapshot!, metadata: whole } as UserEvent['snapshot'] };
  });
}
