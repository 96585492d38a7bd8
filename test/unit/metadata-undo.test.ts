/**
 * Issue 16, item 3: a user's metadata as of an event is rebuilt from a later state by undoing the
 * later events' metadata changes, each as an event stores it (the changed keys only).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergePatch, undoMetadataChange } from '../../src/domain/metadata.ts';
import type { JsonObject, JsonValue } from '../../src/domain/user.ts';
import { eventChanges } from '../../src/services/user-events.ts';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'c', 'd', 'e', '7', '__proto__'];

function randomPatch(next: () => number): JsonObject {
  const patch: JsonObject = {};
  const count = 1 + Math.floor(next() * 3);
  for (let i = 0; i < count; i++) {
    const key = KEYS[Math.floor(next() * KEYS.length)]!;
    const roll = next();
    const value: JsonValue = roll < 0.3 ? null : roll < 0.6 ? `v${Math.floor(next() * 5)}` : roll < 0.8 ? { nested: { n: Math.floor(next() * 3) } } : [1, Math.floor(next() * 3)];
    Object.defineProperty(patch, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return patch;
}

describe('undoMetadataChange', () => {
  test('undoing the stored changes of later events, newest first, gives every earlier state back', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const states: JsonObject[] = [mergePatch({}, randomPatch(next)) as JsonObject];
      const changes: Array<{ previous: JsonValue; current: JsonValue }> = [];
      for (let step = 0; step < 12; step++) {
        const before = states.at(-1)!;
        const after = mergePatch(before, randomPatch(next)) as JsonObject;
        changes.push(eventChanges({ metadata: { previous: before, current: after } }).metadata!);
        states.push(after);
      }
      // A deletion keeps the whole metadata it removed.
      changes.push({ previous: states.at(-1)!, current: null });
      let state: JsonObject = {};
      for (let i = changes.length - 1; i >= 0; i--) {
        state = undoMetadataChange(state, changes[i]!);
        assert.deepEqual(state, states[i], `seed ${seed}: the state before change ${i}`);
        assert.deepEqual(new Set(Object.keys(state)), new Set(Object.keys(states[i]!)));
      }
    }
  });

  test('a creation has nothing before it; an event stored whole (before issue 16) undoes the same', () => {
    assert.deepEqual(undoMetadataChange({ a: 1 }, { previous: null, current: { a: 1 } }), {});
    assert.deepEqual(undoMetadataChange({ a: 2, b: 1, c: 3 }, { previous: { a: 1, b: 1 }, current: { a: 2, b: 1, c: 3 } }), { a: 1, b: 1 });
  });

  test('"__proto__" stays a plain key', () => {
    const undone = undoMetadataChange({}, { previous: JSON.parse('{"__proto__": "x"}'), current: {} });
    assert.equal(Object.getPrototypeOf(undone), Object.prototype);
    assert.deepEqual(Object.keys(undone), ['__proto__']);
  });
});
