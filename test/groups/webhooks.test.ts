/**
 * Issue 17, item 5: group.created|updated|deleted reach webhook endpoints like user events do: in
 * Userplane's standard payload (Standard Webhooks signature), and in the WorkOS format as
 * Directory Sync's dsync.group.* events, which the official SDK's constructEvent reads.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import { Webhook } from 'standardwebhooks';
import type { RequestContext } from '../../src/services/context.ts';
import { DATABASES } from '../helpers/databases.ts';
import { createEndpoint, useDeliverySuite } from '../webhooks/setup.ts';

const ctx: RequestContext = { environment: 'test', actor: 'key_groups_test', door: 'v1', requestId: null };
const workos = new WorkOS('sk_test_webhook_receiver_only');

for (const kind of DATABASES) {
  describe(`group webhooks on ${kind.name}`, () => {
    const { t, receiver } = useDeliverySuite(kind);

    test('an endpoint subscribed to group events gets each change once, signed, with the group and previous attributes', async () => {
      const { secret } = await createEndpoint(t, { url: `${receiver.url}/groups`, event_types: ['group.created', 'group.updated', 'group.deleted'] });
      const user = await t.services.users.create(ctx, { email: 'member@example.com' });
      const group = await t.services.groups.create(ctx, { display_name: 'Sales', external_id: 'aad-sales' });
      await t.services.groups.update(ctx, group.id, { add_members: [user.id], display_name: 'Sales EMEA' });
      await t.request({ method: 'DELETE', url: `/v1/users/${user.id}` });
      await t.services.groups.delete(ctx, group.id);
      const got = await receiver.waitFor((r) => r.filter((x) => x.path.endsWith('/groups')).length >= 4);
      const mine = got.filter((r) => r.path.endsWith('/groups'));
      assert.equal(mine.length, 4, 'user events do not go to an endpoint subscribed to group events only');
      const wh = new Webhook(secret);
      for (const r of mine) wh.verify(r.body, r.headers as Record<string, string>);
      assert.deepEqual(mine.map((r) => r.json.type), ['group.created', 'group.updated', 'group.updated', 'group.deleted']);
      const [created, renamed, left, deleted] = mine.map((r) => r.json);
      assert.deepEqual(created!.data.object, {
        id: group.id, object: 'group', environment: 'test', display_name: 'Sales', external_id: 'aad-sales', member_count: 0, version: 1, created_at: group.created_at, updated_at: group.updated_at,
      });
      assert.equal(renamed!.data.object.display_name, 'Sales EMEA');
      assert.equal(renamed!.data.object.member_count, 1);
      assert.deepEqual(renamed!.data.previous_attributes, { display_name: 'Sales', members_added: null });
      assert.equal(left!.data.object.member_count, 0, 'the deleted user left the group');
      assert.deepEqual(left!.data.previous_attributes, { members_removed: [user.id] });
      assert.equal(deleted!.data.object.display_name, 'Sales EMEA');
    });

    test('WorkOS-format endpoints get dsync.group.* events that constructEvent reads as Directory Groups', async () => {
      const { secret } = await createEndpoint(t, { url: `${receiver.url}/workos`, format: 'workos', event_types: ['group.created', 'group.updated', 'group.deleted'] });
      const group = await t.services.groups.create(ctx, { display_name: 'Support', external_id: 'okta-support' });
      await t.services.groups.update(ctx, group.id, { display_name: 'Customer Support' });
      await t.services.groups.delete(ctx, group.id);
      const got = (await receiver.waitFor((r) => r.filter((x) => x.path.endsWith('/workos')).length >= 3)).filter((r) => r.path.endsWith('/workos'));
      const events = [];
      for (const r of got) events.push(await workos.webhooks.constructEvent({ payload: r.json, sigHeader: String(r.headers['workos-signature']), secret }));
      assert.deepEqual(events.map((e) => e.event), ['dsync.group.created', 'dsync.group.updated', 'dsync.group.deleted']);
      const updated = events[1]!;
      if (updated.event !== 'dsync.group.updated') return assert.fail('expected dsync.group.updated');
      assert.equal(updated.data.id, group.id);
      assert.equal(updated.data.name, 'Customer Support');
      assert.equal(updated.data.idpId, 'okta-support');
      assert.deepEqual(updated.data.previousAttributes, { display_name: 'Support' });
    });
  });
}
