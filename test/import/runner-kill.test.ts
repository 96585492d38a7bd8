/**
 * Issue 15, item 3: `kill -9` of the import CLI mid-import, then the same command with --resume:
 * every record lands exactly once (no duplicate user, no duplicate event) and every failure is
 * reported exactly once. The CLI is a real process; the server runs in this one.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { checkpointPathFor, readCheckpoint } from '../../src/cli/import/checkpoint.ts';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useListeningApp } from '../helpers/app.ts';
import { BIN, waitUntil } from '../helpers/processes.ts';
import { exportLine, tempDir, users, writeExport } from './userplane-files.ts';

const COUNT = 3000;

function cli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

for (const kind of DATABASES) {
  describe(`userplane import killed with -9 and resumed on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    test('no duplicate, no loss, each failure reported once', { timeout: 240_000 }, async () => {
      const dir = tempDir();
      const prefix = `k${process.pid}${kind.name}`;
      const records: Array<Record<string, unknown>> = users(prefix, COUNT);
      // A failing record early (settled before the kill) and one late (settled after the resume).
      records.splice(50, 0, exportLine({ id: 'early', external_id: `${prefix}-early`, email: 'early-bad' }));
      records.push(exportLine({ id: 'late', external_id: `${prefix}-late`, email: 'late-bad' }));
      const file = writeExport(dir, 'users.ndjson', records);
      const env = { USERPLANE_URL: t.base, USERPLANE_KEY: TEST_ADMIN_KEY };
      const args = ['import', file, '--from', 'userplane', '--batch-size', '50', '--concurrency', '2'];

      const first = cli(args, env);
      const checkpoint = checkpointPathFor(file);
      await waitUntil(() => (readCheckpoint(checkpoint)?.settled ?? 0) >= 300 || first.child.exitCode !== null, () => `checkpoint:\n${first.output()}`, 120_000, 10);
      first.child.kill('SIGKILL');
      await first.exited;
      const settled = readCheckpoint(checkpoint)?.settled ?? 0;
      assert.ok(settled > 0 && settled < COUNT + 2, `killed mid-import (checkpoint at ${settled}):\n${first.output()}`);

      const refused = cli(args, env);
      assert.equal(await refused.exited, 2, `without --resume an unfinished import is a usage error:\n${refused.output()}`);
      assert.match(refused.output(), /--resume/);

      const second = cli([...args, '--resume'], env);
      assert.equal(await second.exited, 1, `two records fail, so exit 1:\n${second.output()}`);
      assert.match(second.output(), /resumed after record \d+/);
      assert.match(second.output(), /failed records: .*users\.errors\.ndjson/);
      assert.equal(existsSync(checkpoint), false, 'the finished import removed its checkpoint');

      const errors = readFileSync(`${dir}/users.errors.ndjson`, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).external_id);
      assert.deepEqual(errors, [`${prefix}-early`, `${prefix}-late`], 'each failure once, in source order');

      // Every user exactly once, each created once (one user.created event, nothing else).
      const seen = new Map<string, number>();
      let after: string | undefined;
      for (;;) {
        const page = await t.services.users.list({ environment: 'test', actor: 'test', door: 'v1', requestId: null }, {}, { limit: 1000, after });
        for (const user of page.items) if (user.external_id?.startsWith(`${prefix}-`)) seen.set(user.external_id, (seen.get(user.external_id) ?? 0) + 1);
        if (!page.hasMore) break;
        after = page.items.at(-1)!.id;
      }
      assert.equal(seen.size, COUNT, 'no loss');
      assert.ok([...seen.values()].every((count) => count === 1), 'no duplicate');
      const sample = (await t.request({ method: 'GET', url: `/v1/users?external_id=${prefix}-${Math.floor(settled / 2)}` })).json().data[0];
      const events = (await t.request({ method: 'GET', url: `/v1/users/${sample.id}/events` })).json().data;
      assert.deepEqual(events.map((e: { type: string }) => e.type), ['user.created'], 'a replayed batch adds no event');
    });
  });
}
