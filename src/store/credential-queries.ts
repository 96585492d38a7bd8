import type { Kysely } from 'kysely';
import type { Environment } from '../domain/user.ts';
import type { IdentityQueries, VerificationQueries } from './contract.ts';
import type { Database } from './schema.ts';
import { asConflict } from './unique-violation.ts';

export function createIdentityQueries(db: Kysely<Database>): IdentityQueries {
  return {
    async listForUser(environment, userId) {
      const rows = await db
        .selectFrom('identities')
        .selectAll()
        .where('environment', '=', environment)
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute();
      return rows.map((row) => ({ ...row, environment: row.environment as Environment }));
    },
    async listForUsers(environment, userIds) {
      if (userIds.length === 0) return [];
      const rows = await db
        .selectFrom('identities')
        .selectAll()
        .where('environment', '=', environment)
        .where('user_id', 'in', userIds)
        .orderBy('id')
        .execute();
      return rows.map((row) => ({ ...row, environment: row.environment as Environment }));
    },
    async insert(identity) {
      try {
        await db.insertInto('identities').values(identity).execute();
      } catch (error) {
        throw asConflict(error);
      }
    },
    async delete(environment, userId, ids) {
      if (ids.length === 0) return 0;
      const result = await db
        .deleteFrom('identities')
        .where('environment', '=', environment)
        .where('user_id', '=', userId)
        .where('id', 'in', ids)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export function createVerificationQueries(db: Kysely<Database>): VerificationQueries {
  return {
    async find(environment, userId) {
      const row = await db
        .selectFrom('email_verifications')
        .selectAll()
        .where('environment', '=', environment)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row ? { ...row, environment: row.environment as Environment, attempts: Number(row.attempts) } : null;
    },
    async replace(record) {
      await db.deleteFrom('email_verifications').where('user_id', '=', record.user_id).execute();
      await db.insertInto('email_verifications').values(record).execute();
    },
    async countAttempt(userId) {
      await db
        .updateTable('email_verifications')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('user_id', '=', userId)
        .execute();
    },
    async markUsed(userId, at) {
      await db.updateTable('email_verifications').set({ used_at: at }).where('user_id', '=', userId).execute();
    },
    async purgeExpiredBatch(before, size) {
      const batch = db.selectFrom('email_verifications').select('user_id').where('expires_at', '<', before).orderBy('expires_at').limit(size);
      const result = await db.deleteFrom('email_verifications').where('user_id', 'in', batch).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async purgeSendsBatch(before, size) {
      const batch = db.selectFrom('email_verification_sends').select(['user_id', 'sent_at']).where('sent_at', '<', before).orderBy('sent_at').limit(size);
      const result = await db
        .deleteFrom('email_verification_sends')
        .where((eb) => eb(eb.refTuple('user_id', 'sent_at'), 'in', batch.$asTuple('user_id', 'sent_at')))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async recordSend(userId, at, since) {
      await db.deleteFrom('email_verification_sends').where('user_id', '=', userId).where('sent_at', '<', since).execute();
      await db.insertInto('email_verification_sends').values({ user_id: userId, sent_at: at }).execute();
      const row = await db
        .selectFrom('email_verification_sends')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', userId)
        .where('sent_at', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
