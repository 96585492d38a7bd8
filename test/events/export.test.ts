/**
 * Issue 16, item 5: GET /v1/users/{id}/export, everything held about one user in one document,
 * on each database; the export is itself recorded (user.exported), in the history and the feed,
 * but never queued for webhooks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';

for (const kind of DATABASES) {
  describe(`subject export on ${kind.name}`, () => {
    const t = useTestApp(kind);

    test('profile, password set, pending email, identities, whole history and webhook deliveries; the export records itself', async () => {
      // Every type, so an endpoint that names none would still get none of user.exported.
      const everything = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'http://127.0.0.1:9/hook' } });
      assert.equal(everything.statusCode, 201, everything.body);
      const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'subject@example.com', first_name: 'Sam', metadata: { plan: 'pro' } } });
      const user = created.json();
      const other = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'bystander@example.com' } })).json();
      const password = await t.request({ method: 'POST', url: `/v1/users/${user.id}/password`, payload: { password: 'a long enough passphrase' } });
      assert.ok(password.statusCode < 300, password.body);
      const linked = await t.request({ method: 'POST', url: `/v1/users/${user.id}/identities`, payload: { provider: 'GoogleOAuth', provider_user_id: 'g-123', email: 'subject@example.com' } });
      assert.equal(linked.statusCode, 201, linked.body);
      await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { last_name: 'Subject' } });

      const res = await t.request({ method: 'GET', url: `/v1/users/${user.id}/export` });
      assert.equal(res.statusCode, 200, res.body);
      const doc = res.json();
      assert.equal(doc.object, 'user_export');
      assert.equal(doc.user.id, user.id);
      assert.equal(doc.user.email, 'subject@example.com');
      assert.equal(doc.user.last_name, 'Subject');
      assert.deepEqual(doc.user.metadata, { plan: 'pro' });
      assert.deepEqual(doc.extensions, {});
      assert.equal(doc.password.set, true);
      assert.equal(typeof doc.password.hash_type, 'string');
      assert.doesNotMatch(res.body, /\$argon2|\$2[aby]\$/, 'no password hash in the export');
      assert.equal(doc.pending_email, null);
      assert.deepEqual(doc.identities.map((i: { provider: string; provider_user_id: string }) => [i.provider, i.provider_user_id]), [['GoogleOAuth', 'g-123']]);

      // The whole history oldest first, ending with the export's own audit entry.
      const types = doc.events.map((e: { type: string }) => e.type);
      assert.equal(types[0], 'user.created');
      assert.equal(types.at(-1), 'user.exported');
      assert.ok(types.length >= 5, JSON.stringify(types));
      assert.ok(doc.events.every((e: { user_id: string }) => e.user_id === user.id), 'only this user’s events');
      assert.equal(doc.events.at(-1).created_at, doc.exported_at);

      // A delivery for each of their webhook events, none for the export, none of the bystander.
      const deliveries = doc.webhook_deliveries as Array<{ event_id: string; event_type: string; user_id: string }>;
      const webhookEvents = doc.events.filter((e: { type: string }) => e.type !== 'user.exported').map((e: { id: string }) => e.id);
      assert.deepEqual(deliveries.map((d) => d.event_id), webhookEvents);
      assert.ok(deliveries.every((d) => d.user_id === user.id && d.event_type !== 'user.exported'));
      assert.ok(!res.body.includes(other.id));

      // The export is in the user's history and in the feed.
      const history = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events?limit=1` })).json();
      assert.equal(history.data[0].type, 'user.exported');
      assert.equal(history.data[0].actor.length > 0, true);
    });

    test('admin scope only; an unknown user is a 404', async () => {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'scoped@example.com' } })).json();
      for (const scopes of [['read'], ['read', 'write']] as const) {
        const res = await t.request({ method: 'GET', url: `/v1/users/${user.id}/export`, key: await t.key([...scopes]) });
        assert.equal(res.statusCode, 403, `${scopes}: ${res.body}`);
      }
      const ok = await t.request({ method: 'GET', url: `/v1/users/${user.id}/export`, key: await t.key(['admin']) });
      assert.equal(ok.statusCode, 200, ok.body);
      const missing = await t.request({ method: 'GET', url: '/v1/users/usr_01h00000000000000000000000/export' });
      assert.equal(missing.statusCode, 404);
    });
  });
}
