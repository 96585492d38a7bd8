import type { Kysely, Selectable } from 'kysely';
import type { Environment } from '../domain/user.ts';
import type { Capabilities } from './capabilities.ts';
import type { ApiKeyQueries, ApiKeyRecord, ApiKeyType, Scope } from './contract.ts';
import { runPrepared } from './prepared.ts';
import type { ApiKeysTable, Database } from './schema.ts';
import { pageOf, walkOf } from './paging.ts';

function fromRow(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  const { user_proof_secret: proofSecret, ...rest } = row;
  return {
    ...rest,
    environment: row.environment as Environment,
    type: row.type as ApiKeyType,
    scopes: row.scopes.split(' ').filter(Boolean) as Scope[],
    ...(proofSecret ? { user_proof_secret: proofSecret } : {}),
  };
}

/** Every column of api_keys. */
const API_KEY_COLUMNS = [
  'id', 'environment', 'name', 'type', 'scopes', 'secret_hash', 'preview', 'created_by', 'created_at', 'revoked_at', 'user_proof_secret',
] as const satisfies ReadonlyArray<keyof ApiKeysTable>;

// Compile-time check that API_KEY_COLUMNS names every column: a column added to the table without it fails here.
type MissingColumn = Exclude<keyof ApiKeysTable, (typeof API_KEY_COLUMNS)[number]>;
const everyColumn: MissingColumn extends never ? true : MissingColumn = true;
void everyColumn;

export function createApiKeyQueries(db: Kysely<Database>, caps: Capabilities): ApiKeyQueries {
  return {
    async insert(key) {
      await db.insertInto('api_keys').values({ ...key, scopes: key.scopes.join(' '), user_proof_secret: key.user_proof_secret ?? null }).execute();
    },
    async findBySecretHash(secretHash) {
      // Every authenticated request runs this one.
      // Named, not *: a prepared `select *` fails once a newer version adds a column (./prepared.ts).
      const [row] = await runPrepared(db, caps, 'apiKeys.findBySecretHash', () => db.selectFrom('api_keys').select(API_KEY_COLUMNS).where('secret_hash', '=', secretHash), [secretHash]);
      return row ? fromRow(row) : null;
    },
    async list(environment) {
      const rows = await db.selectFrom('api_keys').selectAll().where('environment', '=', environment).orderBy('id').execute();
      return rows.map(fromRow);
    },
    async page(environment, page) {
      const walk = walkOf(page);
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('environment', '=', environment)
        .$if(walk.cursor !== undefined, (q) => q.where('id', walk.past, walk.cursor!))
        .orderBy('id', walk.walk)
        .limit(page.limit + 1)
        .execute();
      return pageOf(rows, page.limit, walk, fromRow);
    },
    async revoke(environment, id, at) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('environment', '=', environment)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async count() {
      const row = await db.selectFrom('api_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
