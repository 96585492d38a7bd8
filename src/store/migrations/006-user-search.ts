import { sql, type Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

// Frozen: indexes for the `q` search of GET /v1/users (issue 13, item 5), and for the clean-up
// sweeps (item 4). One per searchable
// expression, compared byte by byte, with the id last so a prefix probe reads ids from the index
// alone. The expressions must stay exactly those of ../user-search.ts, or the planner ignores them.
const SEARCHED: Record<string, string> = {
  email: 'email_norm',
  username: 'username_norm',
  external_id: 'lower(external_id)',
  first_name: 'lower(first_name)',
  last_name: 'lower(last_name)',
  name: 'lower(name)',
  full_name: "lower(first_name || ' ' || last_name)",
};

export function migration006(caps: Capabilities) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      const collate = caps.byteCollation ? ` COLLATE "${caps.byteCollation}"` : '';
      for (const [name, expression] of Object.entries(SEARCHED)) {
        await sql.raw(`CREATE INDEX users_search_${name}_idx ON users (environment, (${expression})${collate}, id)`).execute(db);
      }
      // The clean-up sweeps delete by age in small batches; each batch must find its rows by index.
      await db.schema.createIndex('email_verifications_expires_idx').on('email_verifications').columns(['expires_at']).execute();
      await db.schema.createIndex('email_verification_sends_sent_idx').on('email_verification_sends').columns(['sent_at']).execute();
    },
  };
}
