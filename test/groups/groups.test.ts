/**
 * Issue 17, item 5: groups in the canonical model. The service's writes (SCIM's, later) and the
 * /v1 reads: lists with filters and cursors, members, a user's groups, events, and a user delete
 * on every path removing the user's memberships.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../src/domain/errors.ts';
import type { RequestContext } from '../../src/services/context.ts';
import { useTestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';

const ctx: RequestContext = { environment: 'test', actor: 'key_groups_test', door: 'v1', requestId: null };

for (const kind of DATABASES) {
  describe(`groups on ${kind.name}`, () => {
    const t = useTestApp(kind);
    let n = 0;
    const newUser = async (environment: 'test' | 'live' = 'test') => (await t.services.users.create({ ...ctx, environment }, { email: `g${++n}-${Date.now()}@example.com` })).id;
    const groupEvents = async (id: string) => (await t.store.events.listForUser('test', id, { limit: 100 })).items.reverse();

    test('create with members; read on /v1 with ETag and member count; events record the creation', async () => {
      const [a, b] = [await newUser(), await newUser()];
      const group = await t.services.groups.create(ctx, { display_name: 'Engineering', external_id: 'aad-eng', members: [b, a, a] });
      assert.match(group.id, /^grp_[0-9a-z]{26}$/);
      assert.equal(group.member_count, 2, 'a repeated id is one member');
      const res = await t.request({ method: 'GET', url: `/v1/groups/${group.id}` });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers.etag, '"1"');
      assert.deepEqual(res.json(), {
        id: group.id, object: 'group', environment: 'test', display_name: 'Engineering', external_id: 'aad-eng', member_count: 2, version: 1, created_at: group.created_at, updated_at: group.updated_at,
      });
      const [created] = await groupEvents(group.id);
      assert.equal(created?.type, 'group.created');
      assert.equal(created?.user_id, group.id, 'the subject of a group event is the group');
      assert.deepEqual(created?.changes, {
        display_name: { previous: null, current: 'Engineering' },
        external_id: { previous: null, current: 'aad-eng' },
        members_added: { previous: null, current: [a, b].sort() },
      });
      // No webhook endpoint takes it, so the group's whole state is not kept (events are sized by the change).
      assert.equal(created?.snapshot, null);
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${group.id}/events` })).statusCode, 404, "a group's events are no user's");
    });

    test('members that are no users of the environment are a 400 naming them; nothing is written', async () => {
      const live = await newUser('live');
      const missing = 'usr_00000000000000000000000000';
      await assert.rejects(t.services.groups.create(ctx, { display_name: 'Ghosts', external_id: 'ghosts', members: [await newUser(), live, missing] }), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.match(error.details.members![0]!, new RegExp(`${live}.*${missing}|${missing}.*${live}`));
        return true;
      });
      assert.equal((await t.services.groups.list(ctx, { external_id: 'ghosts' }, { limit: 10 })).items.length, 0);
      await assert.rejects(t.services.groups.create(ctx, { display_name: 'Bad', members: ['not-an-id'] }), (error: unknown) => error instanceof ValidationError && /not-an-id/.test(error.details.members![0]!));
      await assert.rejects(t.services.groups.create(ctx, { display_name: '  ' }), (error: unknown) => error instanceof ValidationError && 'display_name' in error.details);
    });

    test('external_id is unique per environment (409); display names are not', async () => {
      await t.services.groups.create(ctx, { display_name: 'Same', external_id: 'dup-ext' });
      await assert.rejects(t.services.groups.create(ctx, { display_name: 'Other', external_id: 'dup-ext' }), (error: unknown) => error instanceof ConflictError && error.field === 'external_id');
      await t.services.groups.create({ ...ctx, environment: 'live' }, { display_name: 'Same', external_id: 'dup-ext' });
      await t.services.groups.create(ctx, { display_name: 'same' });
      const res = await t.request({ method: 'GET', url: '/v1/groups?display_name=SAME' });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().data.map((g: { display_name: string }) => g.display_name), ['Same', 'same'], 'display_name matches case-insensitively');
      const byExt = (await t.request({ method: 'GET', url: '/v1/groups?external_id=dup-ext' })).json();
      assert.equal(byExt.data.length, 1, 'the live group is not listed with a test key');
    });

    test('lists page with cursors both ways; bad cursors are 400s; unknown ids 404', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await t.services.groups.create(ctx, { display_name: `Paged ${i}`, external_id: `paged-${i}` })).id);
      const all = (await t.request({ method: 'GET', url: '/v1/groups?limit=100' })).json().data.map((g: { id: string }) => g.id);
      const at = all.indexOf(ids[0]);
      assert.ok(at > 0, 'groups of earlier tests come first');
      const first = (await t.request({ method: 'GET', url: `/v1/groups?limit=2&after=${all[at - 1]}` })).json();
      assert.deepEqual(first.data.map((g: { id: string }) => g.id), ids.slice(0, 2));
      assert.equal(first.has_more, true);
      assert.equal(first.next_cursor, ids[1]);
      const page2 = (await t.request({ method: 'GET', url: `/v1/groups?limit=2&after=${ids[1]}` })).json();
      assert.equal(page2.data[0].id, ids[2]);
      const back = (await t.request({ method: 'GET', url: `/v1/groups?limit=2&before=${ids[2]}` })).json();
      assert.deepEqual(back.data.map((g: { id: string }) => g.id), [ids[0], ids[1]]);
      const bad = await t.request({ method: 'GET', url: '/v1/groups?after=usr_00000000000000000000000000' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().details.after[0], /grp_/);
      assert.equal((await t.request({ method: 'GET', url: '/v1/groups/grp_00000000000000000000000000' })).statusCode, 404);
      assert.equal((await t.request({ method: 'GET', url: '/v1/groups/grp_00000000000000000000000000/members' })).statusCode, 404);
      assert.equal((await t.request({ method: 'GET', url: '/v1/users/usr_00000000000000000000000000/groups' })).statusCode, 404);
    });

    test("a group's members and a user's groups, paged", async () => {
      const users = [await newUser(), await newUser(), await newUser()].sort();
      const g1 = await t.services.groups.create(ctx, { display_name: 'M1', members: users });
      const g2 = await t.services.groups.create(ctx, { display_name: 'M2', members: [users[0]!] });
      const p1 = (await t.request({ method: 'GET', url: `/v1/groups/${g1.id}/members?limit=2` })).json();
      assert.deepEqual(p1.data.map((u: { id: string }) => u.id), users.slice(0, 2));
      assert.equal(p1.data[0].object, 'user');
      assert.equal(p1.has_more, true);
      const p2 = (await t.request({ method: 'GET', url: `/v1/groups/${g1.id}/members?limit=2&after=${p1.next_cursor}` })).json();
      assert.deepEqual(p2.data.map((u: { id: string }) => u.id), [users[2]]);
      assert.equal(p2.has_more, false);
      const mine = (await t.request({ method: 'GET', url: `/v1/users/${users[0]}/groups` })).json();
      assert.deepEqual(mine.data.map((g: { id: string }) => g.id), [g1.id, g2.id]);
      const theirs = (await t.request({ method: 'GET', url: `/v1/users/${users[1]}/groups` })).json();
      assert.deepEqual(theirs.data.map((g: { id: string }) => g.id), [g1.id]);
    });

    test('update: rename, add, remove, replace; a no-op keeps the version; a stale version is 412', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()];
      const g = await t.services.groups.create(ctx, { display_name: 'Ops', members: [a] });
      const r1 = await t.services.groups.update(ctx, g.id, { display_name: 'Operations', add_members: [b, c], remove_members: [a] });
      assert.equal(r1.changed, true);
      assert.equal(r1.group.version, 2);
      assert.equal(r1.group.member_count, 2);
      assert.deepEqual(await t.store.groups.memberIds(g.id), [b, c].sort());
      const noop = await t.services.groups.update(ctx, g.id, { display_name: 'Operations', add_members: [b], remove_members: [a] });
      assert.equal(noop.changed, false, 'adding a member and removing a non-member change nothing');
      assert.equal(noop.group.version, 2);
      await assert.rejects(t.services.groups.update(ctx, g.id, { display_name: 'X' }, { expectedVersions: [1] }), PreconditionFailedError);
      const r2 = await t.services.groups.update(ctx, g.id, (current, members) => ({ members: [...members].filter((m) => m !== b), external_id: `${current.display_name}-ext` }));
      assert.equal(r2.group.version, 3);
      assert.equal(r2.group.external_id, 'Operations-ext');
      assert.deepEqual(await t.store.groups.memberIds(g.id), [c]);
      await assert.rejects(t.services.groups.update(ctx, g.id, { add_members: ['usr_00000000000000000000000000'] }), (error: unknown) => error instanceof ValidationError && 'add_members' in error.details);
      await assert.rejects(t.services.groups.update(ctx, 'grp_00000000000000000000000000', { display_name: 'x' }), NotFoundError);
      const events = await groupEvents(g.id);
      assert.deepEqual(events.map((e) => e.type), ['group.created', 'group.updated', 'group.updated']);
      assert.deepEqual(events[1]!.changes, {
        display_name: { previous: 'Ops', current: 'Operations' },
        members_added: { previous: null, current: [b, c].sort() },
        members_removed: { previous: [a], current: null },
      });
      assert.deepEqual(events[2]!.changes.members_removed, { previous: [b], current: null });
    });

    test('deleting a user removes their memberships on every path, with a group event each', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()];
      const g1 = await t.services.groups.create(ctx, { display_name: 'Leavers 1', members: [a, b, c] });
      const g2 = await t.services.groups.create(ctx, { display_name: 'Leavers 2', members: [a, c] });
      // /v1's delete
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/users/${a}` })).statusCode, 200);
      assert.deepEqual(await t.store.groups.memberIds(g1.id), [b, c].sort());
      assert.deepEqual(await t.store.groups.memberIds(g2.id), [c]);
      const g1Now = (await t.request({ method: 'GET', url: `/v1/groups/${g1.id}` })).json();
      assert.equal(g1Now.member_count, 2);
      assert.equal(g1Now.version, 2, 'the group a user leaves gets a new version (its SCIM ETag changes)');
      const left = (await groupEvents(g2.id)).at(-1)!;
      assert.equal(left.type, 'group.updated');
      assert.deepEqual(left.changes, { members_removed: { previous: [a], current: null } });
      // the batch's delete
      const batch = await t.request({ method: 'POST', url: '/v1/users/batch', payload: { operations: [{ op: 'delete', id: c }] } });
      assert.equal(batch.statusCode, 200, batch.body);
      assert.deepEqual(await t.store.groups.memberIds(g2.id), []);
      // the WorkOS door's delete
      const workosId = `user_${b.slice(4).toUpperCase()}`;
      assert.equal((await t.request({ method: 'DELETE', url: `/user_management/users/${workosId}` })).statusCode, 204);
      assert.deepEqual(await t.store.groups.memberIds(g1.id), []);
      assert.equal((await t.services.groups.get(ctx, g1.id)).version, 4);
    });

    test('a batch dry run of a delete leaves the memberships as they were', async () => {
      const a = await newUser();
      const g = await t.services.groups.create(ctx, { display_name: 'Dry', members: [a] });
      const batch = await t.request({ method: 'POST', url: '/v1/users/batch', payload: { dry_run: true, operations: [{ op: 'delete', id: a }] } });
      assert.equal(batch.statusCode, 200, batch.body);
      assert.deepEqual(await t.store.groups.memberIds(g.id), [a]);
      assert.equal((await t.services.groups.get(ctx, g.id)).version, 1);
    });

    test('deleting a group keeps its users; a group.deleted event records it', async () => {
      const a = await newUser();
      const g = await t.services.groups.create(ctx, { display_name: 'Gone', external_id: 'gone', members: [a] });
      await assert.rejects(t.services.groups.delete(ctx, g.id, { expectedVersions: [7] }), PreconditionFailedError);
      await t.services.groups.delete(ctx, g.id);
      assert.equal((await t.request({ method: 'GET', url: `/v1/groups/${g.id}` })).statusCode, 404);
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${a}` })).statusCode, 200);
      assert.deepEqual((await t.request({ method: 'GET', url: `/v1/users/${a}/groups` })).json().data, []);
      const last = (await groupEvents(g.id)).at(-1)!;
      assert.equal(last.type, 'group.deleted');
      assert.deepEqual(last.changes, { display_name: { previous: 'Gone', current: null }, external_id: { previous: 'gone', current: null } });
      // the external id is free again
      await t.services.groups.create(ctx, { display_name: 'Gone again', external_id: 'gone' });
      await assert.rejects(t.services.groups.delete(ctx, g.id), NotFoundError);
    });

    test('the group routes need a key with read scope', async () => {
      assert.equal((await t.request({ method: 'GET', url: '/v1/groups', key: null })).statusCode, 401);
      const read = await t.key(['read']);
      assert.equal((await t.request({ method: 'GET', url: '/v1/groups', key: read })).statusCode, 200);
    });
  });
}
