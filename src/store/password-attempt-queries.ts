import type { Kysely } from 'kysely';
import type { PasswordAttemptQueries } from './contract.ts';
import type { Database } from './schema.ts';

export function createPasswordAttemptQueries(db: Kysely<Database>): PasswordAttemptQueries {
  return {
    async begin(attempt, since) {
      await db.deleteFrom('password_attempts').where('user_id', '=', attempt.user_id).where('attempted_at', '<=', since).execute();
      await db.insertInto('password_attempts').values(attempt).execute();
      const row = await db
        .selectFrom('password_attempts')
        .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('attempted_at').as('oldest')])
        .where('user_id', '=', attempt.user_id)
        .where('attempted_at', '>', since)
        .executeTakeFirstOrThrow();
      return { count: Number(row.n), oldest: String(row.oldest ?? attempt.attempted_at) };
    },
    async forget(id) {
      await db.deleteFrom('password_attempts').where('id', '=', id).execute();
    },
  };
}
