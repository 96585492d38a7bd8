/**
 * Issue 6 §4: an endpoint created with "format": "workos" gets WorkOS's event shape and
 * WorkOS-Signature, which the official SDK's webhooks.constructEvent verifies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import { DATABASES } from '../helpers/databases.ts';
import { createEndpoint, useDeliverySuite } from './setup.ts';

const workos = new WorkOS('sk_test_webhook_receiver_only');

/**
 * These tests read the values of payloads sent around a delete, which the default policy erases
 * from deliveries still pending at the delete (test/privacy/erasure.test.ts): they keep the history.
 */
const KEEP_HISTORY = { app: { privacy: { deletedUserHistory: 'keep' as const } } };

for (const kind of DATABASES) {
  describe(`WorkOS-format webhooks on ${kind.name}`, () => {
    const { t, receiver } = useDeliverySuite(kind, KEEP_HISTORY);

    test('constructEvent verifies every delivery and reads WorkOS users', async () => {
      const { secret, body } = await createEndpoint(t, { url: receiver.url, format: 'workos' });
      assert.equal(body.format, 'workos');
      const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'grace@example.com', first_name: 'Grace', avatar_url: 'https://example.com/g.png', metadata: { plan: 'pro', seats: 3 } } });
      const user = created.json();
      await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { last_name: 'Hopper', email_verified: true } });
      await t.request({ method: 'DELETE', url: `/v1/users/${user.id}` });
      const got = await receiver.waitFor((r) => r.length >= 3);

      const events = [];
      for (const request of got) {
        const sigHeader = String(request.headers['workos-signature']);
        assert.match(sigHeader, /^t=\d{13},v1=[0-9a-f]{64}$/);
        assert.equal(request.headers['webhook-signature'], undefined, 'one signature scheme per format');
        events.push(await workos.webhooks.constructEvent({ payload: request.json, sigHeader, secret }));
        await assert.rejects(workos.webhooks.constructEvent({ payload: request.json, sigHeader, secret: `${secret}x` }), /Signature hash does not match/);
      }
      assert.deepEqual(events.map((e) => e.event), ['user.created', 'user.updated', 'user.deleted']);
      const workosId = `user_${user.id.slice(4).toUpperCase()}`;
      for (const event of events) {
        assert.match(event.id, /^event_[0-9A-Z]{26}$/);
        assert.equal(typeof event.createdAt, 'string');
      }
      const updated = events[1]!;
      assert.equal(updated.event, 'user.updated');
      if (updated.event !== 'user.updated') return;
      assert.equal(updated.data.object, 'user');
      assert.equal(updated.data.id, workosId);
      assert.equal(updated.data.email, 'grace@example.com');
      assert.equal(updated.data.emailVerified, true);
      assert.equal(updated.data.firstName, 'Grace');
      assert.equal(updated.data.lastName, 'Hopper');
      assert.equal(updated.data.profilePictureUrl, 'https://example.com/g.png');
      assert.equal(updated.data.lastSignInAt, null);
      // WorkOS metadata holds strings; a number set through /v1 arrives as its JSON text.
      assert.deepEqual(updated.data.metadata, { plan: 'pro', seats: '3' });
      // The raw body has every key of WorkOS's User, and nothing Userplane-only.
      assert.deepEqual(Object.keys(got[1]!.json.data).sort(), [
        'created_at', 'email', 'email_verified', 'external_id', 'first_name', 'id', 'last_name', 'last_sign_in_at', 'locale', 'metadata', 'name', 'object', 'profile_picture_url', 'updated_at',
      ]);
      assert.deepEqual(Object.keys(got[1]!.json).sort(), ['created_at', 'data', 'event', 'id']);
    });

    test('after a rotation the new secret leads the header; the SDK verifies with it', async () => {
      const { id, secret: oldSecret } = await createEndpoint(t, { url: `${receiver.url}/rotated`, format: 'workos', event_types: ['user.created'] });
      const rotated = (await t.request({ method: 'POST', url: `/v1/webhook_endpoints/${id}/rotate_secret` })).json();
      await t.request({ method: 'POST', url: '/v1/users', payload: { username: 'rotated-workos' } });
      const [request] = (await receiver.waitFor((r) => r.some((x) => x.path === '/hooks/rotated'))).filter((x) => x.path === '/hooks/rotated');
      const sigHeader = String(request!.headers['workos-signature']);
      assert.match(sigHeader, /^t=\d{13},v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
      await workos.webhooks.constructEvent({ payload: request!.body, sigHeader, secret: rotated.secret });
      // The SDK reads only the first v1; a receiver still on the old secret must check the second itself.
      await assert.rejects(workos.webhooks.constructEvent({ payload: request!.body, sigHeader, secret: oldSecret }));
      const [t0, , oldV1] = sigHeader.split(',');
      await workos.webhooks.constructEvent({ payload: request!.body, sigHeader: `${t0},${oldV1}`, secret: oldSecret });
    });
  });
}
