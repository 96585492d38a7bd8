/**
 * Issue 15, items 2 and 3: the lazy readers under every format. The JSON array scanner cuts exactly
 * the elements JSON.parse sees, across 1 MiB chunk boundaries, with brackets, quotes, escapes and
 * multi-byte characters inside strings; CSV rows re-join Clerk's unquoted JSON cells; FORMATS names
 * every source format of the issue.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FORMATS } from '../../src/cli/import/formats/index.ts';
import { csvLine, rejoinJsonCells } from '../../src/cli/import/formats/read/csv.ts';
import { countJsonItems, jsonItems } from '../../src/cli/import/formats/read/json-items.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'readers-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Deterministic users whose strings hold everything a naive splitter trips on. */
function users(count: number) {
  const tricky = ['a]b', 'c}d', 'e\\"f', '{"not":"json"}', 'ü€😀', '\\', ',', '[', 'x'.repeat(3000)];
  return Array.from({ length: count }, (_, i) => ({
    user_id: `u${i}`,
    email: `u${i}@example.com`,
    name: tricky[i % tricky.length],
    user_metadata: { nested: [{ deep: [i, tricky[(i + 3) % tricky.length]] }], empty: {} },
  }));
}

describe('lazy readers', () => {
  test('the JSON scanner yields exactly the elements of a multi-MiB array, across chunk boundaries', async () => {
    const all = users(3000);
    const path = join(dir, 'users.json');
    await writeFile(path, `\uFEFF  ${JSON.stringify(all, null, 1)}\n`);
    const seen: unknown[] = [];
    for await (const item of jsonItems(path)) seen.push(JSON.parse(item.text));
    assert.deepEqual(seen, all);
    assert.equal(await countJsonItems(path), 3000);
  });

  test('wrapped arrays: the array under the named key, whatever comes before it', async () => {
    const all = users(50);
    const path = join(dir, 'wrapped.json');
    await writeFile(path, JSON.stringify({ kind: 'identitytoolkit#DownloadAccountResponse', note: '"users": [1]', other: [1, 2], users: all, nextPageToken: 'x' }));
    const seen: unknown[] = [];
    for await (const item of jsonItems(path, { keys: ['users'] })) seen.push(JSON.parse(item.text));
    assert.deepEqual(seen, all);
    await assert.rejects(async () => {
      for await (const _ of jsonItems(path, { keys: ['Users'] }));
    }, /no "Users" array/);
  });

  test("Clerk's unquoted JSON cells are joined back; written CSV quotes what needs it", () => {
    assert.deepEqual(rejoinJsonCells(['id', '{"a": 1', ' "b": [1', '2]}', '{}', 'x']), ['id', '{"a": 1, "b": [1,2]}', '{}', 'x']);
    assert.equal(csvLine(['a', 'b,c', 'say "hi"', '', null, ' lead']), 'a,"b,c","say ""hi""",,," lead"\n');
  });

  test('FORMATS has every source format of issue 15 by its --from name', () => {
    assert.deepEqual(Object.keys(FORMATS).sort(), ['auth0', 'auth0-export', 'clerk', 'cognito', 'firebase', 'kratos', 'supabase', 'userplane']);
    for (const [name, format] of Object.entries(FORMATS)) {
      assert.equal(format.name, name);
      assert.ok(format.description.length > 10);
    }
  });
});
