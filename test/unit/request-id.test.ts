/**
 * Issue 19: request ids come from a pooled buffer of random bytes rather than a randomBytes call
 * per request. They keep their shape (req_ and 24 hex digits) and stay unique, across refills of
 * the pool that ids share with newId.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId, newRequestId } from '../../src/domain/ids.ts';

test('request ids are req_ and 96 random bits in hex, unique across pool refills', () => {
  const seen = new Set<string>();
  // 12 bytes each from a 4096-byte pool: several refills, interleaved with ULIDs drawing on it too.
  for (let i = 0; i < 5_000; i++) {
    const id = newRequestId();
    assert.match(id, /^req_[0-9a-f]{24}$/);
    assert.equal(seen.has(id), false, `${id} repeated`);
    seen.add(id);
    if (i % 7 === 0) newId('evt');
  }
  // Every hex digit turns up in every position: the bytes are used whole, not truncated.
  for (let position = 4; position < 28; position++) assert.equal(new Set([...seen].map((id) => id[position])).size, 16, `position ${position}`);
});
