/**
 * Issue 16, item 4: the WorkOS door's Events API. The official SDK's `workos.events.listEvents()`
 * syncs from Userplane unchanged: event filters, after, limit, range_start/range_end, User data.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UnprocessableEntityException, type Event as WorkosEvent } from '@workos-inc/node';
import { DATABASES } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/wait.ts';
import { useSdkApp } from './sdk-app.ts';

const EVENT_ID = /^event_[0-9A-HJKMNP-TV-Z]{26}$/;
const USER_EVENTS = ['user.created', 'user.updated', 'user.deleted'] as const;

for (const kind of DATABASES) {
  describe(`WorkOS Events API through @workos-inc/node on ${kind.name}`, () => {
    const s = useSdkApp(kind);

    /** Every event from `after` on through the SDK, page by page (bounded), and the cursor to poll with. */
    const follow = async (events: Array<(typeof USER_EVENTS)[number]>, after?: string, limit = 2) => {
      const seen: WorkosEvent[] = [];
      let cursor = after;
      for (let pages = 0; pages < 50; pages++) {
        const list = await s.workos.events.listEvents({ events, limit, ...(cursor ? { after: cursor } : {}) });
        seen.push(...list.data);
        cursor = list.listMetadata.after ?? cursor;
        if (list.data.length < limit) return { seen, cursor };
      }
      throw new Error('the feed did not end within 50 pages');
    };
    // On PostgreSQL an event is listed once no older transaction of the cluster runs: wait for it.
    const caughtUp = async (count: number) => {
      let seen = 0;
      await waitUntil(async () => (seen = (await follow([...USER_EVENTS], undefined, 100)).seen.length) >= count, () => `${count} events; saw ${seen}`, 20_000, 20);
    };

    test('listEvents: user events oldest first with WorkOS ids and User data, paged with list_metadata.after; polling continues', async () => {
      const ada = await s.workos.userManagement.createUser({ email: 'events-ada@example.com', firstName: 'Ada', metadata: { tier: 'gold' } });
      const bob = await s.workos.userManagement.createUser({ email: 'events-bob@example.com' });
      await s.workos.userManagement.updateUser({ userId: ada.id, lastName: 'Lovelace' });
      await s.workos.userManagement.deleteUser(bob.id);
      await caughtUp(4);

      const { seen, cursor } = await follow([...USER_EVENTS]);
      assert.deepEqual(
        seen.map((e) => [e.event, (e.data as { id: string }).id]),
        [
          ['user.created', ada.id],
          ['user.created', bob.id],
          ['user.updated', ada.id],
          ['user.deleted', bob.id],
        ],
      );
      for (const event of seen) {
        assert.match(event.id, EVENT_ID);
        assert.match(event.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      }
      const updated = seen[2]!;
      assert.equal(updated.event, 'user.updated');
      if (updated.event === 'user.updated') {
        assert.equal(updated.data.lastName, 'Lovelace');
        assert.equal(updated.data.email, 'events-ada@example.com');
        assert.deepEqual(updated.data.metadata, { tier: 'gold' });
      }
      assert.equal(cursor, seen.at(-1)!.id, 'list_metadata.after is the last event, to poll again with');

      const carol = await s.workos.userManagement.createUser({ email: 'events-carol@example.com' });
      await caughtUp(5);
      const next = await s.workos.events.listEvents({ events: ['user.created'], after: cursor });
      assert.deepEqual(next.data.map((e) => (e.data as { id: string }).id), [carol.id]);
      const idle = await s.workos.events.listEvents({ events: ['user.created'], after: next.listMetadata.after ?? undefined });
      assert.deepEqual([idle.data.length, idle.listMetadata.after], [0, next.listMetadata.after]);
    });

    test('events filters by type; rangeStart and rangeEnd bound created_at', async () => {
      const deleted = await s.workos.events.listEvents({ events: ['user.deleted'], limit: 100 });
      assert.deepEqual(deleted.data.map((e) => e.event), ['user.deleted']);

      const all = (await s.workos.events.listEvents({ events: [...USER_EVENTS], limit: 100 })).data;
      const third = all[2]!;
      const fromThird = await s.workos.events.listEvents({ events: [...USER_EVENTS], limit: 100, rangeStart: third.createdAt });
      assert.ok(fromThird.data.every((e) => e.createdAt >= third.createdAt));
      assert.ok(fromThird.data.some((e) => e.id === third.id));
      const beforeThird = await s.workos.events.listEvents({ events: [...USER_EVENTS], limit: 100, rangeEnd: third.createdAt });
      assert.ok(beforeThird.data.every((e) => e.createdAt < third.createdAt));
      assert.ok(!beforeThird.data.some((e) => e.id === third.id));
    });

    test('the bracketed events[] spelling and a comma list work over plain HTTP too', async () => {
      const bracketed = await (await s.fetch('/events?events[]=user.deleted&events[]=user.updated&limit=100')).json();
      assert.deepEqual(bracketed.data.map((e: { event: string }) => e.event).sort(), ['user.deleted', 'user.updated']);
      assert.equal(bracketed.data[0].object, 'event');
      const comma = await (await s.fetch('/events?events=user.deleted,user.updated&limit=100')).json();
      assert.deepEqual(comma.data, bracketed.data);
    });

    test('an event Userplane does not record, a bad cursor or order=desc is a 422 naming the parameter', async () => {
      await assert.rejects(s.noRetry.events.listEvents({ events: ['dsync.user.created'] }), (error: unknown) => {
        assert.ok(error instanceof UnprocessableEntityException, String(error));
        assert.match(error.message, /events_invalid/);
        return true;
      });
      const refused = await (await s.fetch('/events?events=dsync.user.created')).json();
      assert.match(refused.message, /dsync\.user\.created.*user\.created/, JSON.stringify(refused));
      for (const query of ['events=user.created&after=usr_nope', 'events=user.created&order=desc', 'events=user.created&range_start=yesterday']) {
        const res = await s.fetch(`/events?${query}`);
        assert.equal(res.status, 422, query);
        const body = await res.json();
        assert.equal(body.code, 'invalid_request_parameters', JSON.stringify(body));
      }
    });
  });
}
