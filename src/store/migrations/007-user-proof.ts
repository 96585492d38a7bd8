import type { Kysely } from 'kysely';

// Frozen: a publishable key's secret for proving end users (issue 12, item 6). Kept in plain like a
// webhook signing secret: the server must compute HMACs with it. Null: the key needs no proof.
export const migration007 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('api_keys').addColumn('user_proof_secret', 'text').execute();
  },
};
