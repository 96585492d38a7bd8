/** The check that a PostgreSQL connection carries a statement_timeout and that it cancels a slow statement. */
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';

/** Every one of `connections` parallel sessions shows `shown` (e.g. '300ms'), and pg_sleep(2) is cancelled with 57014. */
export async function assertStatementTimeout(db: Kysely<any>, shown: string, connections = 1): Promise<void> {
  const results = await Promise.all(Array.from({ length: connections }, () => sql<{ statement_timeout: string }>`show statement_timeout`.execute(db)));
  assert.deepEqual(results.map((r) => r.rows[0]?.statement_timeout), Array(connections).fill(shown));
  await assert.rejects(sql`select pg_sleep(2)`.execute(db), (error: { code?: string; message: string }) => {
    assert.equal(error.code, '57014'); // query_canceled
    assert.match(error.message, /statement timeout/);
    return true;
  });
}
