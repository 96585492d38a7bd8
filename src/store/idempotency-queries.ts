import type { Kysely } from 'kysely';
import type { Environment } from '../domain/user.ts';
import type { IdempotencyQueries, IdempotencyRecord } from './contract.ts';
import type { Database } from './schema.ts';

export function createIdempotencyQueries(db: Kysely<Database>): IdempotencyQueries {
  const byKey = (environment: Environment, credential: string, key: string) =>
    db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('environment', '=', environment)
      .where('credential', '=', credential)
      .where('key', '=', key);

  return {
    async claim(record) {
      const result = await db
        .insertInto('idempotency_keys')
        .values({ ...record, state: 'in_progress', response_status: null, response_headers: null, response_body: null })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async find(environment, credential, key) {
      const row = await byKey(environment, credential, key).executeTakeFirst();
      if (!row) return null;
      return {
        environment: row.environment as Environment,
        credential: row.credential,
        key: row.key,
        request_hash: row.request_hash,
        state: row.state as IdempotencyRecord['state'],
        response: row.response_status === null ? null : { status: Number(row.response_status), headers: JSON.parse(row.response_headers ?? '{}'), body: row.response_body ?? '' },
        created_at: row.created_at,
      };
    },
    async complete(environment, credential, key, response) {
      await db
        .updateTable('idempotency_keys')
        .set({ state: 'completed', response_status: response.status, response_headers: JSON.stringify(response.headers), response_body: response.body })
        .where('environment', '=', environment)
        .where('credential', '=', credential)
        .where('key', '=', key)
        .execute();
    },
    async release(environment, credential, key, createdAt) {
      await db
        .deleteFrom('idempotency_keys')
        .where('environment', '=', environment)
        .where('credential', '=', credential)
        .where('key', '=', key)
        .$if(createdAt !== undefined, (q) => q.where('created_at', '=', createdAt!))
        .execute();
    },
    async purgeBatch(before, size) {
      // The oldest `size` records, by the created_at index: one short statement per batch.
      const batch = db.selectFrom('idempotency_keys').select(['environment', 'credential', 'key']).where('created_at', '<', before).orderBy('created_at').limit(size);
      const result = await db
        .deleteFrom('idempotency_keys')
        .where((eb) => eb(eb.refTuple('environment', 'credential', 'key'), 'in', batch.$asTuple('environment', 'credential', 'key')))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async purge(before) {
      const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
