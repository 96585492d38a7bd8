/** `userplane erase --deleted-before DATE` from the terminal (issue 16, item 1). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createServices } from '../../src/services/index.ts';
import { openStore } from '../../src/store/kysely-store.ts';
import { waitUntil } from '../helpers/wait.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'userplane.js');
const dir = mkdtempSync(join(tmpdir(), 'userplane-erase-'));
const path = join(dir, 'erase.db');
const env = { ...process.env, DATABASE_URL: `sqlite:${path}`, USERPLANE_ADMIN_KEYS: '', LOG_LEVEL: 'info' };
const run = (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 30_000 });
const filesHolding = (text: string) => [path, `${path}-wal`].filter((f) => existsSync(f) && readFileSync(f).includes(Buffer.from(text)));

describe('userplane erase', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('erases users deleted before the date, from the events and from the file; a bad date or the keep policy is refused', async () => {
    const email = 'deleted-long-ago@erase-cli.example';
    // A user deleted under the keep policy: its history still holds the email, as before this release.
    const store = await openStore(`sqlite:${path}`);
    const services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [], privacy: { deletedUserHistory: 'keep', eventRetentionDays: 365, deliveryRetentionDays: 30 } });
    const ctx = { environment: 'test' as const, actor: 'test', door: 'v1' as const, requestId: null };
    const user = await services.users.create(ctx, { email, first_name: 'Erin' });
    await services.users.delete(ctx, user.id);
    await store.close();
    assert.ok(filesHolding(email).length > 0, 'the kept history holds the email');

    const bad = run(['erase', '--deleted-before', 'last tuesday']);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--deleted-before must be a date such as 2026-12-01/);

    const kept = run(['erase', '--deleted-before', '2999-01-01'], { USERPLANE_DELETED_USER_HISTORY: 'keep' });
    assert.equal(kept.status, 1);
    assert.match(kept.stderr, /USERPLANE_DELETED_USER_HISTORY is "keep"/);

    const none = run(['erase', '--deleted-before', '2000-01-01']);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /Users deleted before 2000-01-01T00:00:00.000Z: 0; erased now: 0/);

    const done = run(['erase', '--deleted-before', '2999-01-01']);
    assert.equal(done.status, 0, done.stderr);
    assert.match(done.stdout, /: 1; erased now: 1 \(2 events, 0 stored responses\)/);
    await waitUntil(() => filesHolding(email).length === 0, () => `the email is still in ${filesHolding(email).join(', ')}`, 30_000, 100);

    const again = run(['erase', '--deleted-before', '2999-01-01']);
    assert.match(again.stdout, /: 1; erased now: 0 \(0 events, 0 stored responses\); 1 erased already/);
  });
});
