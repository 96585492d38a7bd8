/**
 * Issue 15, item 3: the import runner against a live server on each database: counts, the errors
 * file (source format, hashes redacted) and its reasons, feeding it back, importing twice changes
 * nothing, dry runs, an interrupted import resumed with no duplicate and no loss, and 429/503
 * waited out without counting as failures.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, after } from 'node:test';
import { checkpointPathFor, readCheckpoint } from '../../src/cli/import/checkpoint.ts';
import { userplaneFormat } from '../../src/cli/import/formats/userplane.ts';
import { ImportUsageError, runImport, type ImportOptions } from '../../src/cli/import/runner.ts';
import { retryAfterMs } from '../../src/cli/import/client.ts';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useListeningApp } from '../helpers/app.ts';
import { exportLine, tempDir, users, writeExport } from './userplane-files.ts';

let n = 0;
const unique = (prefix: string) => `${prefix}${process.pid}x${++n}`;

const readLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

for (const kind of DATABASES) {
  describe(`userplane import on ${kind.name}`, () => {
    const t = useListeningApp(kind);
    const options = (file: string, extra: Partial<ImportOptions> = {}): ImportOptions => ({
      file,
      format: userplaneFormat,
      formatOptions: {},
      url: t.base,
      key: TEST_ADMIN_KEY,
      dryRun: false,
      resume: false,
      ...extra,
    });
    const byExternalId = async (externalId: string) =>
      (await t.request({ method: 'GET', url: `/v1/users?external_id=${encodeURIComponent(externalId)}` })).json().data as Array<Record<string, unknown>>;
    const eventCount = async (id: string) => (await t.request({ method: 'GET', url: `/v1/users/${id}/events?limit=100` })).json().data.length as number;

    test('every record lands; failures go to the errors file in the source format (hash redacted) with a reason each; a second run changes nothing', async () => {
      const dir = tempDir();
      const prefix = unique('a');
      const good = users(prefix, 30);
      const taken = `${unique('taken')}@example.com`;
      await t.request({ method: 'POST', url: '/v1/users', payload: { email: taken } });
      const conflict = exportLine({ id: 'usr_src_conflict', external_id: `${prefix}-conflict`, email: taken, password_hash: '$2b$04$abcdefghijklmnopqrstuu5Ri.Zc0ZxC8pOczXmyB8EYCXPkIqpvS', password_hash_type: 'bcrypt' });
      const invalid = exportLine({ id: 'usr_src_invalid', external_id: `${prefix}-invalid`, email: 'not-an-address' });
      const file = writeExport(dir, 'users.ndjson', [...good.slice(0, 10), conflict, ...good.slice(10, 20), invalid, 'not json', ...good.slice(20)]);

      const first = await runImport(options(file, { batchSize: 7 }));
      assert.deepEqual({ created: first.created, updated: first.updated, unchanged: first.unchanged, failed: first.failed, total: first.total }, { created: 30, updated: 0, unchanged: 0, failed: 3, total: 33 });
      assert.equal(first.errorsPath, `${dir}/users.errors.ndjson`);
      const errors = readFileSync(first.errorsPath!, 'utf8').split('\n').filter(Boolean);
      assert.equal(errors.length, 3);
      assert.equal(JSON.parse(errors[0]!).email, taken);
      assert.equal(JSON.parse(errors[0]!).password_hash, '[redacted]', 'hashes never reach the errors file');
      assert.equal(errors[2], 'not json', 'an unreadable record is written back as it was');
      const reasons = readLines(first.reasonsPath!);
      assert.deepEqual(reasons.map((r) => [r.record, r.status, r.error]), [[1, 409, 'conflict'], [2, 400, 'validation_error'], [3, 0, 'unreadable_record']]);
      assert.match(String(reasons[0]!.message), /email/i);
      assert.equal(existsSync(checkpointPathFor(file)), false, 'a finished import leaves no checkpoint');

      const [user] = await byExternalId(`${prefix}-5`);
      assert.equal(user!.email, `${prefix}-5@example.com`);
      const events = await eventCount(String(user!.id));
      const second = await runImport(options(file));
      assert.deepEqual([second.created, second.updated, second.unchanged, second.failed], [0, 0, 30, 3]);
      assert.equal(await eventCount(String(user!.id)), events, 'importing the same file twice adds no event');

      // Fed back as is once the conflict is gone: the record that failed for it now lands.
      const [holder] = (await t.request({ method: 'GET', url: `/v1/users?email=${encodeURIComponent(taken)}` })).json().data;
      await t.request({ method: 'DELETE', url: `/v1/users/${holder.id}` });
      const again = await runImport(options(first.errorsPath!));
      assert.deepEqual([again.created, again.failed], [1, 2]);
      const [fixed] = await byExternalId(`${prefix}-conflict`);
      assert.equal(fixed!.email, taken);
      assert.equal(fixed!.password_set, false, 'the redacted hash was not sent');
    });

    test('a dry run reports what would happen and writes nothing (no user, no checkpoint)', async () => {
      const dir = tempDir();
      const prefix = unique('d');
      const file = writeExport(dir, 'dry.ndjson', [...users(prefix, 5), exportLine({ id: 'x', external_id: `${prefix}-bad`, email: 'nope' })]);
      const summary = await runImport(options(file, { dryRun: true }));
      assert.deepEqual([summary.dryRun, summary.created, summary.failed], [true, 5, 1]);
      assert.equal(summary.errorsPath, `${dir}/dry.dry-run-errors.ndjson`);
      assert.deepEqual(await byExternalId(`${prefix}-0`), []);
      assert.equal(existsSync(checkpointPathFor(file)), false);
    });

    test('an interrupted import keeps its checkpoint; without --resume it is refused; --resume finishes with no duplicate and no loss', async () => {
      const dir = tempDir();
      const prefix = unique('r');
      const file = writeExport(dir, 'big.ndjson', [...users(prefix, 120), exportLine({ id: 'bad', external_id: `${prefix}-bad`, email: 'bad' })]);
      const controller = new AbortController();
      let updates = 0;
      const progress = { start() {}, note() {}, stop() {}, update: () => void (++updates === 3 && controller.abort()) };
      const partial = await runImport(options(file, { batchSize: 10, concurrency: 2, signal: controller.signal, progress }));
      assert.equal(partial.interrupted, true);
      const saved = readCheckpoint(checkpointPathFor(file))!;
      assert.ok(saved.settled > 0 && saved.settled < 121, `checkpoint at ${saved.settled}`);
      await assert.rejects(runImport(options(file)), ImportUsageError);

      const rest = await runImport(options(file, { resume: true, batchSize: 10 }));
      assert.equal(rest.interrupted, false);
      assert.equal(rest.resumedAt, saved.settled);
      assert.equal(rest.created + rest.unchanged + rest.updated, 120, 'the counts of both runs add up to every user once');
      assert.equal(rest.failed, 1);
      for (let i = 0; i < 120; i += 1) assert.equal((await byExternalId(`${prefix}-${i}`)).length, 1, `user ${i} exactly once`);
      assert.equal(readFileSync(rest.errorsPath!, 'utf8').split('\n').filter(Boolean).length, 1, 'the failure is reported once');
      assert.equal(existsSync(checkpointPathFor(file)), false);
    });
  });
}

describe('userplane import against a server that answers 429 and 503', () => {
  let server: Server;
  const seen: number[] = [];
  after(() => server?.close());

  test('429 and 503 are waited out (Retry-After honoured), never counted as failures', async () => {
    let calls = 0;
    const answers = [
      { status: 429, headers: { 'retry-after': '0.2' } },
      { status: 503, headers: { 'retry-after': '0' } },
      { status: 429, headers: {} },
    ];
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seen.push(Date.now());
        const planned = answers[calls++];
        if (planned) return void response.writeHead(planned.status, planned.headers).end('{"error":"busy","message":"busy"}');
        assert.equal(request.headers['userplane-import'], '1');
        const operations = (JSON.parse(body) as { operations: unknown[] }).operations;
        const results = operations.map((_, index) => ({ index, status: 201, user: { id: `usr_${index}` } }));
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'batch', dry_run: false, results, summary: { created: operations.length, updated: 0, unchanged: 0, deleted: 0, failed: 0 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const file = writeExport(tempDir(), 'busy.ndjson', users(unique('busy'), 4));
    const summary = await runImport({
      file,
      format: userplaneFormat,
      formatOptions: {},
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      key: 'sk_test_x',
      dryRun: false,
      resume: false,
    });
    assert.deepEqual([summary.created, summary.failed], [4, 0]);
    assert.equal(seen.length, 4);
    assert.ok(seen[1]! - seen[0]! >= 190, `waited ${seen[1]! - seen[0]!} ms for Retry-After: 0.2`);
  });

  test('Retry-After in seconds or as a date; absent or unreadable is null', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(retryAfterMs(null), null);
    assert.equal(retryAfterMs('soon'), null);
  });
});
