/**
 * Issue 16, item 3: an event keeps its user's metadata as keys only, and the payload's user is
 * rebuilt from the user now and the later events when it is sent (src/store/event-snapshots.ts).
 * A delivery sent late (after later updates, after the delete, after the erasure) or sent again
 * must carry, byte for byte, the payload it carried when sent at once; the WorkOS Events API must
 * show the same user.
 *
 * Two endpoints per format take every event: a prompt one, answered at once, each event before
 * the next change is made; a late one that answers 503 until the user has been deleted, so its
 * first delivery is tried again while the changes land, and the others wait behind it (per-user
 * order) until after the delete.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toWorkosUserId } from '../../src/formats/workos-user.ts';
import { openConnection } from '../../src/store/connection.ts';
import { wholeSnapshots } from '../../src/store/event-snapshots.ts';
import { fromEventRow } from '../../src/store/webhook-rows.ts';
import { DATABASES } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/wait.ts';
import type { Received } from './receiver.ts';
import { createEndpoint, deliveries, startWorker, useDeliverySuite } from './setup.ts';

const FORMATS = ['standard', 'workos'] as const;
/** Metadata as the WorkOS format shows it: values that are not strings as their JSON text. */
const workosShown = (metadata: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
const big = (n: number) => `${n}`.padEnd(200, 'v');

/**
 * The changes, each a PATCH body (the last is the delete): values changed, keys added, a key
 * removed and then added again (its place in the object changes), a change of no metadata.
 */
const CHANGES: Array<Record<string, unknown> | 'delete'> = [
  { metadata: { b: 'b2', e: big(5) } },
  { metadata: { c: null } },
  { metadata: { c: 'c-again', a: { nested: [1, 2, { deep: true }] } } },
  { first_name: 'Ada' },
  { metadata: { '1': 'numeric key', 'd': null } },
  'delete',
];

for (const kind of DATABASES) {
  for (const policy of ['keep', 'redact'] as const) {
    describe(`late webhook payloads on ${kind.name} (USERPLANE_DELETED_USER_HISTORY=${policy})`, () => {
      const { t, receiver } = useDeliverySuite(kind, { app: { privacy: { deletedUserHistory: policy } }, worker: false });
      const at = (path: string) => receiver.received.filter((r) => r.path === `/hooks/${path}`);
      const eventId = (r: Received) => String(r.json.id);

      test('a delivery sent after later updates and the delete carries the payload it carried when sent at once', async () => {
        let holding = true;
        /** What the late endpoints accepted, by path. */
        const accepted = new Map<string, Received[]>();
        receiver.respond = (r) => {
          if (!r.path.includes('late')) return 204;
          if (holding) return 503;
          accepted.set(r.path, [...(accepted.get(r.path) ?? []), r]);
          return 204;
        };
        const endpoints: Record<string, string> = {};
        for (const format of FORMATS) {
          for (const when of ['prompt', 'late']) endpoints[`${when}-${format}`] = (await createEndpoint(t, { url: `${receiver.url}/${when}-${format}`, format })).id;
        }
        const worker = startWorker(t, { retryBaseMs: 40, retryWindowMs: 120_000 });
        try {
          const created = await t.request({
            method: 'POST',
            url: '/v1/users',
            payload: { email: 'late@example.com', metadata: { a: big(1), b: big(2), c: big(3), d: big(4) } },
          });
          assert.equal(created.statusCode, 201, created.body);
          const id = created.json().id as string;
          /** The user each change answered with (the deletion: as it was), to hold the payloads to. */
          const users: Array<Record<string, any>> = [created.json()];
          const promptHas = (n: number) => FORMATS.every((format) => at(`prompt-${format}`).length >= n);
          await waitUntil(() => promptHas(1), 'the prompt endpoints have the user.created');
          for (const change of CHANGES) {
            const res =
              change === 'delete'
                ? await t.request({ method: 'DELETE', url: `/v1/users/${id}` })
                : await t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload: change });
            assert.ok(res.statusCode < 300, res.body);
            users.push(change === 'delete' ? users.at(-1)! : res.json());
            // Each payload is rendered at once, before the next change: what a payload always was.
            await waitUntil(() => promptHas(users.length), `the prompt endpoints have ${users.length} events`);
          }
          const tried = at('late-standard').length;
          holding = false;
          // The late endpoints' first delivery is waiting out its backoff: send it now.
          for (const format of FORMATS) {
            for (const delivery of await deliveries(t, endpoints[`late-${format}`]!, '&status=pending')) {
              const retried = await t.request({ method: 'POST', url: `/v1/webhook_endpoints/${endpoints[`late-${format}`]}/deliveries/${delivery.id}/retry` });
              assert.equal(retried.statusCode, 202, retried.body);
            }
          }
          const answered = (path: string) => new Set((accepted.get(`/hooks/${path}`) ?? []).map(eventId));
          await waitUntil(
            () => FORMATS.every((format) => answered(`late-${format}`).size >= users.length),
            () => `the late endpoints have every event: ${FORMATS.map((f) => answered(`late-${f}`).size).join(', ')} of ${users.length}`,
            30_000,
          );
          assert.ok(tried >= 2, `the first late delivery was tried ${tried} times while the changes landed`);

          for (const format of FORMATS) {
            const prompt = at(`prompt-${format}`);
            assert.deepEqual(prompt.map(eventId), [...new Set(at(`late-${format}`).map(eventId))], `${format}: the same events, in order`);
            // Prompt payloads: the user each change answered with, metadata keys in its order (an
            // erasing delete's own payload is the skeleton already).
            prompt.forEach((r, i) => {
              const user = format === 'standard' ? r.json.data.object : r.json.data;
              if (policy === 'redact' && i === users.length - 1) return assert.equal(user.redacted, true);
              const expected = format === 'standard' ? users[i]!.metadata : workosShown(users[i]!.metadata);
              assert.deepEqual(user.metadata, expected, `${format} event ${i}: the metadata after the change`);
              assert.deepEqual(Object.keys(user.metadata), Object.keys(expected), `${format} event ${i}: in its order`);
              if (format === 'standard') assert.equal(user.version, users[i]!.version);
            });
            for (const [i, sent] of prompt.entries()) {
              const late = at(`late-${format}`).filter((r) => eventId(r) === eventId(sent));
              assert.ok(late.length >= 1);
              for (const attempt of late) {
                if (policy === 'keep') {
                  assert.equal(attempt.body, sent.body, `${format} event ${i} (${sent.json.type ?? sent.json.event}): every late attempt sends the same bytes`);
                } else if (attempt.body !== sent.body) {
                  // Erased at the delete: from then on the delivery carries the skeleton, like the event.
                  const skeleton = format === 'standard' ? attempt.json.data.object : attempt.json.data;
                  assert.deepEqual(skeleton, format === 'standard' ? { id, object: 'user', redacted: true } : { object: 'user', id: toWorkosUserId(id), redacted: true });
                }
              }
              if (policy === 'redact') {
                const last = late.at(-1)!;
                assert.equal((format === 'standard' ? last.json.data.object : last.json.data).redacted, true, `${format} event ${i}: sent after the erasure, erased`);
              }
            }
          }

          // The WorkOS Events API shows the user of each event as the WorkOS payload did.
          if (policy === 'keep') {
            const workosData = new Map(at('prompt-workos').map((r) => [String(r.json.id), r.json.data]));
            let listed: Array<Record<string, any>> = [];
            await waitUntil(
              async () => {
                const res = await t.request({ method: 'GET', url: '/events?limit=100' });
                assert.equal(res.statusCode, 200, res.body);
                listed = res.json().data.filter((e: Record<string, any>) => workosData.has(e.id));
                return listed.length === workosData.size;
              },
              () => `the feed lists the ${workosData.size} events; saw ${listed.length}`,
              20_000,
              20,
            );
            for (const event of listed) assert.deepEqual(event.data, workosData.get(event.id), `feed ${event.event}`);
          }
        } finally {
          await worker.stop();
          for (const endpointId of Object.values(endpoints)) await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${endpointId}` });
        }
      });

      if (policy === 'redact') {
        test('an event read just before its user was erased is rebuilt as erased, as the erasure left it', async () => {
          const endpoint = await createEndpoint(t, { url: `${receiver.url}/unsent`, format: 'standard' });
          const { db } = openConnection(t.databaseUrl);
          try {
            const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'raced@example.com', metadata: { a: 'x', b: 'y' } } });
            const id = created.json().id as string;
            await t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload: { metadata: { a: 'z' } } });
            const row = await db.selectFrom('user_events').selectAll().where('user_id', '=', id).where('type', '=', 'user.updated').executeTakeFirstOrThrow();
            const read = fromEventRow(row);
            assert.deepEqual((read.snapshot as { metadata: unknown }).metadata, ['a', 'b'], 'stored with the keys only');
            assert.deepEqual((await wholeSnapshots(db, [read]))[0]!.snapshot, { ...read.snapshot, metadata: { a: 'z', b: 'y' } });
            assert.equal((await t.request({ method: 'DELETE', url: `/v1/users/${id}` })).statusCode, 200);
            const [rebuilt] = await wholeSnapshots(db, [read]);
            assert.equal(rebuilt!.snapshot, null);
            assert.deepEqual(rebuilt!.changes, { metadata: { previous: { redacted: true }, current: { redacted: true } } });
          } finally {
            await db.destroy();
            await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${endpoint.id}` });
          }
        });
      }
    });
  }
}
