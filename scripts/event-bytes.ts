/**
 * Issue 16, item 3: how many bytes one event row stores for a 300-byte metadata change on a user
 * with 50 large metadata values: without a webhook endpoint, with one, and with three taking the event.
 *
 *   node --import tsx scripts/event-bytes.ts            # a fresh SQLite file in a temporary folder
 *   node --import tsx scripts/event-bytes.ts postgres://postgres@127.0.0.1:5432/some_empty_db
 *
 * Prints the bytes of the event's stored JSON: its changes, and the user snapshot kept for webhook
 * payloads when an endpoint takes the event (with the metadata's keys only: src/store/event-snapshots.ts).
 * Each endpoint adds one delivery row, which holds no payload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createServices } from '../src/services/index.ts';
import { openConnection } from '../src/store/connection.ts';
import { openStore } from '../src/store/kysely-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'userplane-event-bytes-'));
const url = process.argv[2] ?? `sqlite:${join(dir, 'bytes.db')}`;
const store = await openStore(url);
const { db } = openConnection(url);
const services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [], webhookLimits: { allowPrivateNetworks: true } }, { log: () => {} });
const ctx = { environment: 'test' as const, actor: 'script', door: 'v1' as const, requestId: null, scopes: new Set(['admin'] as const) };

/** 50 keys of 290 characters each: about 15 KB of metadata, under the 16 KB limit. */
const metadata = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key_${String(i).padStart(2, '0')}`, `${i}`.padEnd(290, 'v')]));

async function measure(label: string): Promise<void> {
  const user = await services.users.create(ctx, { email: `bytes-${Date.now()}-${Math.random()}@example.com`, metadata });
  await services.users.update(ctx, user.id, { metadata: { key_07: 'c'.repeat(300) } });
  const row = await db
    .selectFrom('user_events')
    .select(['changes', 'snapshot'])
    .where('user_id', '=', user.id)
    .where('type', '=', 'user.updated')
    .executeTakeFirstOrThrow();
  const changes = Buffer.byteLength(row.changes);
  const snapshot = row.snapshot === null ? 0 : Buffer.byteLength(row.snapshot);
  console.log(`${label}: ${changes + snapshot} bytes per event (changes ${changes}, snapshot ${snapshot})`);
}

try {
  await measure('no webhook endpoint    ');
  await services.webhooks.create(ctx, { url: 'https://127.0.0.1:9/hook', format: 'standard' } as never);
  await measure('one webhook endpoint   ');
  await services.webhooks.create(ctx, { url: 'https://127.0.0.1:9/workos', format: 'workos' } as never);
  await services.webhooks.create(ctx, { url: 'https://127.0.0.1:9/updates', format: 'standard', event_types: ['user.updated'] } as never);
  await measure('three webhook endpoints');
  await sql`delete from webhook_endpoints`.execute(db);
} finally {
  await db.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
