/**
 * Erasure of a deleted user's values (issue 16, item 1) and the retention sweeps' deletes
 * (item 2). The events table's user_id is the event's subject (a user, a group, or
 * "environment"; see the shared events note): erasure names a user id, so only that user's rows go.
 */
import { sql, type Kysely } from 'kysely';
import { ERASED_RESPONSE_BODY, erasedResponse, isRedactedChangeSet, redactChanges } from '../domain/redaction.ts';
import type { ChangeSet } from '../domain/user.ts';
import type { ErasureQueries, RetentionQueries } from './contract.ts';
import type { Database } from './schema.ts';

/** LIKE's wildcards as plain characters (the escape character is "\"). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function createErasureQueries(db: Kysely<Database>): ErasureQueries {
  return {
    async eraseUserHistory(environment, userId) {
      const rows = await db.selectFrom('user_events').select(['seq', 'changes', 'snapshot']).where('environment', '=', environment).where('user_id', '=', userId).execute();
      let events = 0;
      for (const row of rows) {
        const changes = JSON.parse(row.changes) as ChangeSet;
        if (row.snapshot === null && isRedactedChangeSet(changes)) continue;
        await db
          .updateTable('user_events')
          .set({ changes: JSON.stringify(redactChanges(changes)), snapshot: null })
          .where('seq', '=', row.seq as number)
          .execute();
        events++;
      }
      // Stored responses name the user by one of its ids: the canonical usr_… or a door's form of the
      // same ULID (WorkOS: user_ and upper case), so the ULID is looked for in any case.
      const ulid = userId.slice(userId.indexOf('_') + 1).toLowerCase();
      let idempotency = 0;
      if (ulid.length >= 10) {
        const result = await db
          .updateTable('idempotency_keys')
          .set({ response_body: ERASED_RESPONSE_BODY, response_headers: JSON.stringify(erasedResponse(200).headers) })
          .where('environment', '=', environment)
          .where('state', '=', 'completed')
          .where('response_body', '<>', ERASED_RESPONSE_BODY)
          .where(sql<boolean>`lower(response_body) like ${`%${likeLiteral(ulid)}%`} escape '\\'`)
          .executeTakeFirst();
        idempotency = Number(result.numUpdatedRows);
      }
      // Identities, codes, send counts and password attempts go with the users row (ON DELETE CASCADE).
      return { events, idempotency };
    },

    async deletedUsers(before, limit, afterSeq) {
      const rows = await db
        .selectFrom('user_events')
        .select(['seq', 'environment', 'user_id'])
        .where('type', '=', 'user.deleted')
        .where('created_at', '<', before)
        .where('seq', '>', afterSeq)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('users').select('users.id').whereRef('users.id', '=', 'user_events.user_id'))))
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ seq: Number(r.seq), environment: r.environment as never, user_id: r.user_id }));
    },
  };
}

export function createRetentionQueries(db: Kysely<Database>): RetentionQueries {
  return {
    async pruneEventsBatch(before, size) {
      // Oldest first, by seq. An event a delivery still owes an endpoint waits for it, and so do the
      // later events of its subject: the payload's user is rebuilt from them (event-snapshots.ts).
      const due = db
        .selectFrom('user_events as e')
        .select('e.seq')
        .where('e.created_at', '<', before)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('webhook_deliveries as d')
                .select('d.id')
                .whereRef('d.user_id', '=', 'e.user_id')
                .whereRef('d.event_seq', '<=', 'e.seq')
                .whereRef('d.environment', '=', 'e.environment')
                .where('d.state', '=', 'pending'),
            ),
          ),
        )
        .orderBy('e.seq')
        .limit(size);
      const result = await db.deleteFrom('user_events').where('seq', 'in', due).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async pruneDeliveriesBatch(before, size) {
      // Finished ones only; their attempts go with them (ON DELETE CASCADE).
      const due = db.selectFrom('webhook_deliveries').select('id').where('state', '<>', 'pending').where('created_at', '<', before).orderBy('created_at').limit(size);
      const result = await db.deleteFrom('webhook_deliveries').where('id', 'in', due).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
