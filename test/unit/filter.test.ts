/** Issue 17, item 4: the one filter parser (RFC 7644 §3.4.2.2) both doors use, and the PATCH path grammar. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FILTER_LIMITS, FilterSyntaxError, parseFilter, parsePath } from '../../src/domain/filter.ts';

test('precedence: not, then and, then or; parentheses group', () => {
  assert.deepEqual(parseFilter('a eq 1 or b eq 2 and c eq 3'), {
    op: 'or',
    left: { op: 'eq', path: { name: 'a' }, value: 1 },
    right: { op: 'and', left: { op: 'eq', path: { name: 'b' }, value: 2 }, right: { op: 'eq', path: { name: 'c' }, value: 3 } },
  });
  assert.deepEqual(parseFilter('(a eq 1 or b eq 2) and not (c pr)'), {
    op: 'and',
    left: { op: 'or', left: { op: 'eq', path: { name: 'a' }, value: 1 }, right: { op: 'eq', path: { name: 'b' }, value: 2 } },
    right: { op: 'not', filter: { op: 'pr', path: { name: 'c' } } },
  });
});

test('operators and keywords in any case; values: strings with JSON escapes, numbers, true, false, null', () => {
  assert.deepEqual(parseFilter('userName EQ "b\\"jensen\\u00e9"'), { op: 'eq', path: { name: 'userName' }, value: 'b"jensené' });
  assert.deepEqual(parseFilter('x Gt -1.5e2 AND y Ne TRUE oR z eq NULL'), {
    op: 'or',
    left: { op: 'and', left: { op: 'gt', path: { name: 'x' }, value: -150 }, right: { op: 'ne', path: { name: 'y' }, value: true } },
    right: { op: 'eq', path: { name: 'z' }, value: null },
  });
});

test('attribute paths: sub-attributes, URNs, value paths with and without a sub-attribute', () => {
  assert.deepEqual(parseFilter('name.familyName co "O\'Malley"').op, 'co');
  assert.deepEqual(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"'), {
    op: 'eq',
    path: { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', name: 'employeeNumber' },
    value: '7',
  });
  assert.deepEqual(parseFilter('emails[type eq "work" and value co "@example.com"]'), {
    op: 'has',
    path: { name: 'emails' },
    filter: { op: 'and', left: { op: 'eq', path: { name: 'type' }, value: 'work' }, right: { op: 'co', path: { name: 'value' }, value: '@example.com' } },
  });
  assert.deepEqual(parseFilter('emails[type eq "work"].value eq "a@b.c"'), {
    op: 'eq',
    path: { name: 'emails', filter: { op: 'eq', path: { name: 'type' }, value: 'work' }, sub: 'value' },
    value: 'a@b.c',
  });
});

test('PATCH paths', () => {
  assert.deepEqual(parsePath('members[value eq "2819c223"]'), { name: 'members', filter: { op: 'eq', path: { name: 'value' }, value: '2819c223' } });
  assert.deepEqual(parsePath('name.givenName'), { name: 'name', sub: 'givenName' });
  assert.deepEqual(parsePath('emails[type eq "work"].value'), { name: 'emails', filter: { op: 'eq', path: { name: 'type' }, value: 'work' }, sub: 'value' });
  assert.throws(() => parsePath('name eq "x"'), FilterSyntaxError);
});

test('what is not a filter throws FilterSyntaxError with a position; hostile sizes are bounded', () => {
  for (const bad of ['', '   ', 'userName', 'userName eq', 'userName eq bjensen', 'userName xx "a"', '(a eq 1', 'a eq 1)', 'a eq "open', 'a.b.c eq 1', 'a eq 1 and', 'not a eq 1', 'a[b eq 1', '"x" eq 1', 'a eq 1 ~']) {
    assert.throws(() => parseFilter(bad), FilterSyntaxError, bad);
  }
  assert.match(String((() => { try { parseFilter('userName xx "a"'); } catch (e) { return (e as Error).message; } })()), /character 10/);
  assert.throws(() => parseFilter(`${'('.repeat(FILTER_LIMITS.maxDepth + 1)}a pr${')'.repeat(FILTER_LIMITS.maxDepth + 1)}`), /nest/);
  assert.throws(() => parseFilter(`a eq "${'x'.repeat(FILTER_LIMITS.maxLength)}"`), /at most/);
  // Many and-ed terms are not nesting: a long flat filter parses.
  assert.equal(parseFilter(Array.from({ length: 200 }, (_, i) => `a${i} pr`).join(' and ')).op, 'and');
});
