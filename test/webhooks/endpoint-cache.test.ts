/**
 * Issue 19: each process caches the webhook endpoints instead of reading them on every write. A
 * change made through another process (here: another store on the same database) must be seen by
 * the very next write, on both databases: an endpoint added gets that write's delivery, one
 * disabled, narrowed to other types or deleted gets none. On PostgreSQL the check holds both with
 * the LISTEN connection (the `serve` case) and without it (a pooler in transaction mode hears no
 * notifications), and the listener comes back after its connection is killed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createServices, type Services } from '../../src/services/index.ts';
import type { RequestContext } from '../../src/services/context.ts';
import { openConnection } from '../../src/store/connection.ts';
import type { Store } from '../../src/store/contract.ts';
import { createStore, openStore } from '../../src/store/kysely-store.ts';
import { DATABASES, type TestDatabase } from '../helpers/databases.ts';

const ctx: RequestContext = { environment: 'test', actor: 'key_endpoint_cache', door: 'v1', requestId: null };
const serviceConfig = { roles: [], emailChange: 'direct' as const, adminKeys: [], webhookLimits: { allowPrivateNetworks: true } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const kind of DATABASES) {
  describe(`webhook endpoint cache on ${kind.name} (issue 19)`, () => {
    let database: TestDatabase;
    /** Where the endpoints are changed: "another node". */
    let admin: Store;
    let adminServices: Services;
    /** Writers with their own caches: one as `serve` opens it, one without a listening connection. */
    const writers: { name: string; store: Store; services: Services }[] = [];

    before(async () => {
      database = await kind.create();
      admin = await openStore(database.url);
      adminServices = createServices(admin, serviceConfig);
      const listening = await openStore(database.url);
      writers.push({ name: 'a store as serve opens it', store: listening, services: createServices(listening, serviceConfig) });
      if (kind.name === 'postgres') {
        const { db, capabilities } = openConnection(database.url);
        const deaf = createStore(db, capabilities);
        writers.push({ name: 'a store that hears no notifications', store: deaf, services: createServices(deaf, serviceConfig) });
      }
    });
    after(async () => {
      for (const { store } of writers) await store.close();
      await admin?.close();
      await database?.drop();
    });

    const deliveries = async (endpointId: string) => (await admin.webhooks.listDeliveries('test', endpointId, { limit: 100 })).items;
    /** One write by `writer`, right after whatever the admin did; the event's deliveries per endpoint. */
    const write = async (writer: Services, userId: string, value: string) => {
      await writer.users.update(ctx, userId, { first_name: value });
    };

    test('an endpoint added, disabled, narrowed, re-enabled and deleted elsewhere is seen by the very next write', async () => {
      for (const { name, services } of writers) {
        const user = await services.users.create(ctx, { username: `cache-${writers.findIndex((w) => w.services === services)}` });
        // Warm this writer's cache: no endpoint yet.
        await write(services, user.id, 'warm');

        const { endpoint } = await adminServices.webhooks.create(ctx, { url: 'https://example.com/cache', event_types: ['user.updated'] });
        await write(services, user.id, 'added');
        let queued = await deliveries(endpoint.id);
        assert.equal(queued.length, 1, `${name}: the write after the endpoint was added queued its delivery`);
        assert.equal(queued[0]!.event_type, 'user.updated');
        const [job] = await admin.transaction((tx) => tx.webhooks.claimDue({ now: new Date(Date.now() + 1000).toISOString(), limit: 10, leaseOwner: 'cache-test', leaseUntil: new Date(Date.now() + 60_000).toISOString() }));
        assert.equal((job?.event.snapshot as { first_name?: string } | null)?.first_name, 'added', `${name}: the event kept its snapshot for the new endpoint`);

        await adminServices.webhooks.update(ctx, endpoint.id, { enabled: false });
        await write(services, user.id, 'disabled');
        assert.equal((await deliveries(endpoint.id)).length, 1, `${name}: nothing queued for the disabled endpoint`);

        await adminServices.webhooks.update(ctx, endpoint.id, { enabled: true, event_types: ['user.deleted'] });
        await write(services, user.id, 'narrowed');
        assert.equal((await deliveries(endpoint.id)).length, 1, `${name}: nothing queued for an endpoint that no longer takes user.updated`);

        await adminServices.webhooks.update(ctx, endpoint.id, { event_types: [] });
        await write(services, user.id, 'every type');
        queued = await deliveries(endpoint.id);
        assert.equal(queued.length, 2, `${name}: queued again once it takes every type`);

        await adminServices.webhooks.delete(ctx, endpoint.id);
        await write(services, user.id, 'deleted');
        assert.equal((await admin.webhooks.findEndpoint('test', endpoint.id)), null);
        const events = await admin.events.listForUser('test', user.id, { limit: 10 });
        assert.equal(events.items[0]!.changes.first_name?.current, 'deleted', `${name}: the write after the delete succeeded`);
      }
    });

    test('a change made in the same process is seen by its next write too', async () => {
      const { services } = writers[0]!;
      const user = await services.users.create(ctx, { username: 'cache-same-process' });
      await write(services, user.id, 'warm');
      const { endpoint } = await services.webhooks.create(ctx, { url: 'https://example.com/same' });
      await write(services, user.id, 'added');
      assert.equal((await deliveries(endpoint.id)).filter((d) => d.user_id === user.id).length, 1);
      await services.webhooks.delete(ctx, endpoint.id);
    });

    test('writes racing an endpoint creation: every write that starts after it committed is delivered', async () => {
      const user = await writers[0]!.services.users.create(ctx, { username: 'cache-race' });
      const { endpoint } = await adminServices.webhooks.create(ctx, { url: 'https://example.com/race', event_types: ['user.updated'] });
      // Writes from every writer at once, all begun after the creation returned.
      await Promise.all(writers.flatMap(({ services }, w) => Array.from({ length: 5 }, (_, i) => write(services, user.id, `race ${w}.${i}`))));
      assert.equal((await deliveries(endpoint.id)).length, 5 * writers.length);
      await adminServices.webhooks.delete(ctx, endpoint.id);
    });

    if (kind.name === 'postgres') {
      test('each process keeps one LISTEN connection, which comes back when it is killed', async () => {
        const url = new URL(database.url);
        const dbName = url.pathname.slice(1);
        const direct = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await direct.connect();
        try {
          const listeners = async () =>
            (await direct.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and query ilike 'listen %userplane_webhook_endpoints%'`, [dbName])).rows.map((r) => r.pid);
          // The admin store and the listening writer; the deaf one has none.
          const deadline = Date.now() + 10_000;
          while ((await listeners()).length < 2 && Date.now() < deadline) await sleep(50);
          const before = await listeners();
          assert.equal(before.length, 2, 'one listening connection per store opened as serve opens it');
          await direct.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [before]);
          while (Date.now() < deadline + 10_000) {
            const now = await listeners();
            if (now.length === 2 && now.every((pid) => !before.includes(pid))) break;
            await sleep(50);
          }
          const after = await listeners();
          assert.equal(after.length, 2, 'both listeners reconnected');
          assert.ok(after.every((pid) => !before.includes(pid)));
          // And the cache dropped on reconnect still serves the next write correctly.
          const { services } = writers[0]!;
          const user = await services.users.create(ctx, { username: 'cache-reconnect' });
          const { endpoint } = await adminServices.webhooks.create(ctx, { url: 'https://example.com/reconnect' });
          await write(services, user.id, 'after reconnect');
          assert.equal((await deliveries(endpoint.id)).filter((d) => d.event_type === 'user.updated').length, 1);
          await adminServices.webhooks.delete(ctx, endpoint.id);
        } finally {
          await direct.end();
        }
      });
    }
  });
}
