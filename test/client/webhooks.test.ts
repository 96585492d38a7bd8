/**
 * verifyWebhook of @userplane/client: a real delivery of a live Userplane verifies with the
 * endpoint's secret (and with either secret during a rotation); a changed body, another secret
 * or an old timestamp is refused. Cross-checked with the standardwebhooks library's signatures.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook, WebhookVerificationError } from '@userplane/client';
import { DATABASES } from '../helpers/databases.ts';
import { createEndpoint, useDeliverySuite } from '../webhooks/setup.ts';

const SECRET = `whsec_${Buffer.from('a secret of thirty-two bytes!!!!').toString('base64')}`;

describe('verifyWebhook', () => {
  test('accepts what standardwebhooks signs; refuses a changed body, another secret, an old timestamp, no headers', async () => {
    const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'user.created' });
    const at = new Date();
    const headers = {
      'webhook-id': 'whd_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(SECRET).sign('whd_1', at, body),
    };
    assert.equal((await verifyWebhook(body, headers, SECRET)).id, 'evt_1');
    assert.equal((await verifyWebhook(body, new Headers(headers), SECRET)).id, 'evt_1', 'a fetch Headers works too');
    await assert.rejects(verifyWebhook(body.replace('evt_1', 'evt_2'), headers, SECRET), WebhookVerificationError);
    const other = `whsec_${Buffer.from('another secret of 32 bytes......').toString('base64')}`;
    await assert.rejects(verifyWebhook(body, headers, other), /No signature matches/);
    await assert.rejects(verifyWebhook(body, headers, SECRET, { now: new Date(at.getTime() + 6 * 60_000) }), /5 minutes/);
    await assert.rejects(verifyWebhook(body, {}, SECRET), /Missing webhook-id/);
  });
});

for (const kind of DATABASES) {
  describe(`verifyWebhook on real deliveries (${kind.name})`, () => {
    const s = useDeliverySuite(kind);

    test("a delivery verifies with the endpoint's secret, and with both secrets while a rotation overlaps", async () => {
      const endpoint = await createEndpoint(s.t, { url: `${s.receiver.url}/client-verify`, event_types: ['user.created', 'user.updated'] });
      const created = await s.t.request({ method: 'POST', url: '/v1/users', payload: { email: 'hooked@example.com' } });
      assert.equal(created.statusCode, 201);
      const first = (await s.receiver.waitFor((all) => all.some((r) => r.path === '/hooks/client-verify'))).find((r) => r.path === '/hooks/client-verify')!;
      const event = await verifyWebhook(first.body, first.headers, endpoint.secret);
      assert.equal(event.type, 'user.created');
      assert.equal(event.data.object?.email, 'hooked@example.com');

      const rotated = await s.t.request({ method: 'POST', url: `/v1/webhook_endpoints/${endpoint.id}/rotate_secret` });
      const newSecret = rotated.json().secret as string;
      assert.equal(rotated.statusCode, 200, rotated.body);
      const patched = await s.t.request({ method: 'PATCH', url: `/v1/users/${created.json().id}`, payload: { first_name: 'Hooked' } });
      assert.equal(patched.statusCode, 200, patched.body);
      const [, second] = (await s.receiver.waitFor((all) => all.filter((r) => r.path === '/hooks/client-verify').length >= 2)).filter((r) => r.path === '/hooks/client-verify');
      assert.equal((await verifyWebhook(second!.body, second!.headers, newSecret)).type, 'user.updated');
      assert.equal((await verifyWebhook(second!.body, second!.headers, endpoint.secret)).type, 'user.updated');
    });
  });
}
