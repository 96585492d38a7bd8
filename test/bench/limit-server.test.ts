/**
 * Issue 19: `npm run bench` measures each read against a storage ceiling (bench/limit-server.ts),
 * where the database writes each user's JSON. The ratio means something only if the ceiling does
 * the same work: the same user by id, and the same page of users in the same order as Userplane's
 * own GET /v1/users, with every column of each.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStore } from '../../src/store/kysely-store.ts';
import { USER_COLUMNS } from '../../src/store/user-rows.ts';
import { openSeeder } from '../../bench/seed.ts';
import { BENCH_KEY, startServer, type RunningServer } from '../../bench/server.ts';
import { DATABASES } from '../helpers/databases.ts';

async function getJson(server: RunningServer, path: string, auth = false): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.base}${path}`, { headers: auth ? { authorization: `Bearer ${BENCH_KEY}` } : {} });
  return { status: response.status, body: await response.json() };
}

for (const kind of DATABASES) {
  describe(`the bench's read ceilings (${kind.name})`, () => {
    test('answer the same user by id and the same pages, in the same order, as Userplane does', async () => {
      const database = await kind.create();
      const servers: RunningServer[] = [];
      try {
        await (await openStore(database.url)).close();
        const seeder = openSeeder(database.url);
        await seeder.topUp(150);
        await seeder.settle();
        const ids = await seeder.ids();
        await seeder.close();

        const ceiling = await startServer({ databaseUrl: database.url, workers: '1', limit: 'ceiling' });
        servers.push(ceiling);
        const userplane = await startServer({ databaseUrl: database.url, workers: '1' });
        servers.push(userplane);

        const one = await getJson(ceiling, `/v1/users/${ids[7]}`);
        assert.equal(one.status, 200);
        assert.deepEqual(Object.keys(one.body), [...USER_COLUMNS], 'every column of the user, by name');
        const served = await getJson(userplane, `/v1/users/${ids[7]}`, true);
        assert.equal(one.body.id, served.body.id);
        assert.equal(one.body.email, served.body.email);
        assert.equal((await getJson(ceiling, '/v1/users/usr_none')).status, 404);

        for (const after of [undefined, ids[20], ids[100]]) {
          const query = `/v1/users?limit=100${after ? `&after=${after}` : ''}`;
          const [mine, theirs] = [await getJson(ceiling, query), await getJson(userplane, query, true)];
          assert.equal(mine.status, 200);
          assert.deepEqual(
            mine.body.data.map((u: { id: string }) => u.id),
            theirs.body.data.map((u: { id: string }) => u.id),
            `the same page after ${after ?? 'the start'}`,
          );
          assert.equal(mine.body.has_more, theirs.body.has_more);
          assert.equal(mine.body.next_cursor, theirs.body.next_cursor, 'and the same cursor to the next');
        }
      } finally {
        for (const server of servers) await server.stop();
        await database.drop();
      }
    });
  });
}
