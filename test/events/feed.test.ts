/**
 * Issue 16, item 4: GET /v1/events, the pull feed, on each database: order, paging with the opaque
 * cursor (given on the last page too), polling on, the types filter, clear 400s, scopes, the
 * environment boundary, and subjects other than users rendered in their own field.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { newId } from '../../src/domain/ids.ts';
import type { UserEvent } from '../../src/store/contract.ts';
import { LIVE_ADMIN_KEY, useTestApp } from '../helpers/app.ts';
import { DATABASES, POSTGRES_URL } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/wait.ts';

interface FeedEvent {
  id: string;
  type: string;
  user_id?: string;
  group_id?: string;
  subject?: string;
  changes: Record<string, { previous: unknown; current: unknown }>;
}
interface FeedPage {
  data: FeedEvent[];
  has_more: boolean;
  next_cursor: string | null;
}

for (const kind of DATABASES) {
  describe(`event feed on ${kind.name}`, () => {
    const t = useTestApp(kind);

    const feed = async (query: string, key?: string): Promise<FeedPage> => {
      const res = await t.request({ method: 'GET', url: `/v1/events${query}`, ...(key ? { key } : {}) });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    /** Every event from a cursor on, page by page (bounded), and the cursor to poll with next. */
    const drain = async (after: string | null, limit: number) => {
      const seen: FeedEvent[] = [];
      let cursor = after;
      for (let pages = 0; pages < 100; pages++) {
        const page = await feed(`?limit=${limit}${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
        seen.push(...page.data);
        assert.ok(page.next_cursor, 'a page of a non-empty feed always has a cursor');
        cursor = page.next_cursor;
        if (!page.has_more) return { seen, cursor };
      }
      throw new Error('the feed did not end within 100 pages');
    };
    /**
     * On PostgreSQL an event is listed once no older transaction of the cluster still runs (another
     * suite's may, for a moment): wait until the feed has caught up with the events written.
     */
    const caughtUp = async (count: number) => {
      let seen = 0;
      await waitUntil(async () => (seen = (await drain(null, 100)).seen.length) >= count, () => `${count} events in the feed; saw ${seen}`, 20_000, 20);
    };
    const create = async (email: string) => {
      const res = await t.request({ method: 'POST', url: '/v1/users', payload: { email } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string };
    };

    test('an empty feed: no events and no cursor yet', async () => {
      assert.deepEqual(await feed(''), { object: 'list', data: [], has_more: false, next_cursor: null });
    });

    test('oldest first, paged with the cursor, each event once; the last cursor polls on to new events only', async () => {
      const a = await create('feed-a@example.com');
      const b = await create('feed-b@example.com');
      await t.request({ method: 'PATCH', url: `/v1/users/${a.id}`, payload: { first_name: 'Ada' } });
      await t.request({ method: 'DELETE', url: `/v1/users/${b.id}` });
      await caughtUp(4);

      const { seen, cursor } = await drain(null, 3);
      assert.deepEqual(
        seen.map((e) => [e.type, e.user_id]),
        [
          ['user.created', a.id],
          ['user.created', b.id],
          ['user.updated', a.id],
          ['user.deleted', b.id],
        ],
      );
      assert.deepEqual(seen[2]!.changes.first_name, { previous: null, current: 'Ada' });

      // Nothing new yet: an empty page that keeps the cursor.
      const idle = await feed(`?after=${cursor}`);
      assert.deepEqual([idle.data.length, idle.has_more, idle.next_cursor], [0, false, cursor]);

      const c = await create('feed-c@example.com');
      await caughtUp(5);
      const next = await feed(`?after=${cursor}`);
      assert.deepEqual(next.data.map((e) => [e.type, e.user_id]), [['user.created', c.id]]);
    });

    test('an event id is a place to start from too; an unknown one or a foreign cursor is a 400 naming after', async () => {
      await caughtUp(5);
      const all = (await drain(null, 100)).seen;
      const fromSecond = await feed(`?after=${all[1]!.id}`);
      assert.deepEqual(fromSecond.data.map((e) => e.id), all.slice(2).map((e) => e.id));

      for (const bad of ['evt_01h00000000000000000000000', 'usr_01h00000000000000000000000', 'not-a-cursor', Buffer.from('1.x').toString('base64url')]) {
        const res = await t.request({ method: 'GET', url: `/v1/events?after=${bad}` });
        assert.equal(res.statusCode, 400, bad);
        assert.ok(res.json().details.after, res.body);
      }
    });

    test('types filters, comma-separated; an unknown type is a 400 that lists the known ones', async () => {
      await caughtUp(5);
      const page = await feed('?types=user.updated,user.deleted');
      assert.ok(page.data.length >= 2);
      assert.ok(page.data.every((e) => e.type === 'user.updated' || e.type === 'user.deleted'), JSON.stringify(page.data.map((e) => e.type)));

      const res = await t.request({ method: 'GET', url: '/v1/events?types=user.updated,user.renamed' });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().details.types[0], /user\.renamed.*user\.created/);
    });

    test('a read key may follow the feed; another environment sees none of these events', async () => {
      const read = await t.key(['read']);
      assert.ok((await feed('', read)).data.length > 0);
      assert.deepEqual((await feed('', LIVE_ADMIN_KEY)).data, []);
    });

    test('events of other subjects: a group id in group_id, anything else in subject', async () => {
      // Other branches record these (group.* events, environment-wide exports) in the same table.
      const base = { environment: 'test' as const, actor: 'fixture', request_id: null, door: 'v1' as const, changes: {}, created_at: new Date().toISOString() };
      const group = `grp_${newId('usr').slice(4)}`;
      await t.store.events.append({ ...base, id: newId('evt'), user_id: group, type: 'user.exported' as UserEvent['type'] });
      await t.store.events.append({ ...base, id: newId('evt'), user_id: 'environment', type: 'user.exported' as UserEvent['type'] });
      await caughtUp(7);
      const page = await feed('?types=user.exported');
      const [forGroup, forEnvironment] = page.data.slice(-2);
      assert.equal(forGroup!.group_id, group);
      assert.equal(forGroup!.user_id, undefined);
      assert.equal(forEnvironment!.subject, 'environment');
      assert.equal(forEnvironment!.user_id, undefined);
    });

    if (kind.name === 'postgres') test('PostgreSQL: a transaction running in another database does not hold the feed back; one in this database does, until it ends', async () => {
      const holder = async (url: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query('begin');
        await client.query('select pg_current_xact_id()'); // takes a transaction id, as a write would
        return client;
      };
      const before = (await drain(null, 100)).seen.length;

      const elsewhere = await holder(POSTGRES_URL!);
      try {
        await create('feed-while-elsewhere@example.com');
        await caughtUp(before + 1);
      } finally {
        await elsewhere.query('rollback');
        await elsewhere.end();
      }

      const here = await holder(t.databaseUrl);
      let released = false;
      try {
        await create('feed-while-here@example.com');
        // The older transaction of this database might still write events numbered before this
        // one, so the feed must not list it yet. Three polls, a moment apart, all hold it back.
        for (let i = 0; i < 3; i++) {
          assert.equal((await drain(null, 100)).seen.length, before + 1);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await here.query('commit');
        released = true;
        await caughtUp(before + 2);
      } finally {
        if (!released) await here.query('rollback');
        await here.end();
      }
    });
  });
}
