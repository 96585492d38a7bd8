/**
 * Issue 17, item 5: group writes racing user deletes. Locks go users first, then groups, so the two
 * never deadlock (PostgreSQL would abort one with 40P01); a membership never outlives its user; and
 * every membership a group gained and lost shows in its events, so the events add up to its members.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '../../src/domain/errors.ts';
import type { RequestContext } from '../../src/services/context.ts';
import { useTestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';

const ctx: RequestContext = { environment: 'test', actor: 'key_groups_race', door: 'v1', requestId: null };
const USERS = 12;
const GROUPS = 4;

for (const kind of DATABASES) {
  describe(`groups racing user deletes on ${kind.name}`, () => {
    const t = useTestApp(kind);

    test('concurrent adds, replaces and user deletes: no deadlock, no dangling member, events add up', async () => {
      const users: string[] = [];
      for (let i = 0; i < USERS; i++) users.push((await t.services.users.create(ctx, { email: `race${i}@example.com` })).id);
      const groups: string[] = [];
      for (let i = 0; i < GROUPS; i++) groups.push((await t.services.groups.create(ctx, { display_name: `Race ${i}`, members: users.slice(0, 3) })).id);

      const work: Array<Promise<unknown>> = [];
      for (const [i, user] of users.entries()) {
        for (const [j, group] of groups.entries()) {
          work.push(
            (i + j) % 3 === 0
              ? t.services.groups.update(ctx, group, { members: [...users.slice(i), users[0]!].slice(0, 5) })
              : t.services.groups.update(ctx, group, { add_members: [user, users[(i + 5) % USERS]!] }),
          );
        }
        if (i % 2 === 0) work.push(t.services.users.delete(ctx, user));
      }
      const results = await Promise.allSettled(work);
      const unexpected = results.filter((r) => r.status === 'rejected' && !(r.reason instanceof ValidationError));
      assert.deepEqual(unexpected.map((r) => String((r as PromiseRejectedResult).reason)), [], 'only "no such user" refusals are expected');

      const alive = new Set(users.filter((_, i) => i % 2 === 1));
      for (const group of groups) {
        const members = await t.store.groups.memberIds(group);
        assert.deepEqual(members.filter((m) => !alive.has(m)), [], `${group} keeps no deleted user`);
        // Replaying the group's events gives its members now.
        const events = (await t.store.events.listForUser('test', group, { limit: 100 })).items.reverse();
        const replayed = new Set<string>();
        for (const event of events) {
          for (const id of (event.changes.members_added?.current as string[] | undefined) ?? []) replayed.add(id);
          for (const id of (event.changes.members_removed?.previous as string[] | undefined) ?? []) replayed.delete(id);
        }
        assert.deepEqual([...replayed].sort(), members);
        assert.equal((await t.services.groups.get(ctx, group)).member_count, members.length);
      }
    });
  });
}
