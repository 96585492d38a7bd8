/**
 * The OpenAPI document is good input for a generator (issue 18): every operation has a unique,
 * stable operationId and a declared tag, named schemas are components referred to by $ref, the
 * headers are documented, and the committed snapshot (docs/openapi.json) and the client's
 * generated types (packages/client/src/schema.ts) are what `npm run generate` would write now.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';
import { TAGS } from '../../src/http/openapi.ts';
import { CLIENT_TYPES, SNAPSHOT, clientTypesText, snapshotText } from '../../scripts/generate.ts';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operations(doc: Json): Array<{ route: string; operation: Json }> {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ route: `${method.toUpperCase()} ${path}`, operation: item[method] as Json })),
  );
}

describe('OpenAPI document: a generator’s input', () => {
  const t = useTestApp(DATABASES[0]!);
  let doc: Json;
  const served = async () => (doc ??= (await t.request({ method: 'GET', url: '/openapi.json', key: null })).json());

  test('every operation has an operationId (lower_snake_case, unique) and a tag the document declares', async () => {
    const all = operations(await served());
    assert.ok(all.length >= 45, `${all.length} operations`);
    const missing = all.filter(({ operation }) => typeof operation.operationId !== 'string').map(({ route }) => route);
    assert.deepEqual(missing, [], `Give these routes an operationId in their schema (e.g. 'users_update', 'workos_users_update'): ${missing.join(', ')}`);
    const malformed = all.filter(({ operation }) => !/^[a-z][a-z0-9_]*$/.test(operation.operationId)).map(({ route, operation }) => `${route}: ${operation.operationId}`);
    assert.deepEqual(malformed, [], 'operationIds are lower_snake_case');
    const seen = new Map<string, string>();
    for (const { route, operation } of all) {
      assert.ok(!seen.has(operation.operationId), `${route} and ${seen.get(operation.operationId)} share the operationId ${operation.operationId}`);
      seen.set(operation.operationId, route);
    }
    const declared = new Set(TAGS.map((tag) => tag.name));
    assert.deepEqual(
      doc.tags.map((tag: Json) => tag.name),
      [...declared],
    );
    const untagged = all.filter(({ operation }) => operation.tags?.length !== 1 || !declared.has(operation.tags[0])).map(({ route, operation }) => `${route} (${operation.tags ?? 'no tag'})`);
    assert.deepEqual(untagged, [], `Give these routes one tag listed in TAGS of src/http/openapi.ts: ${untagged.join(', ')}`);
  });

  test('stable operationIds of the issue', async () => {
    const ids = new Map(operations(await served()).map(({ route, operation }) => [route, operation.operationId]));
    assert.equal(ids.get('PATCH /v1/users/{id}'), 'users_update');
    assert.equal(ids.get('PUT /user_management/users/{id}'), 'workos_users_update');
    assert.equal(ids.get('GET /v1/users'), 'users_list');
    assert.equal(ids.get('POST /v1/users/batch'), 'users_batch');
  });

  test('named schemas are components, referred to by $ref; no named schema is left inline', async () => {
    const { components, paths } = await served();
    for (const name of ['User', 'UserPatch', 'UserCreate', 'Error', 'ValidationError', 'List_User', 'Event', 'ApiKey', 'WebhookEndpoint', 'WebhookEvent', 'Workos_User', 'Workos_Error', 'Proficient_User', 'Klaim_User', 'Stateset_User']) {
      assert.ok(components.schemas[name], `components.schemas.${name}`);
    }
    const get = paths['/v1/users/{id}'].get;
    assert.deepEqual(get.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/User' });
    assert.deepEqual(get.responses['404'].content['application/json'].schema, { $ref: '#/components/schemas/Error' });
    assert.deepEqual(paths['/v1/users'].post.responses['400'].content['application/json'].schema, { $ref: '#/components/schemas/ValidationError' });
    assert.deepEqual(components.schemas.List_User.properties.data.items, { $ref: '#/components/schemas/User' });
    const inline: string[] = [];
    (function walk(node: unknown, at: string) {
      if (typeof node !== 'object' || node === null) return;
      if (typeof (node as Json).title === 'string' && 'type' in (node as Json)) inline.push(`${at} (named ${(node as Json).title}: another schema has that name; rename one with named())`);
      for (const [key, value] of Object.entries(node)) if (key !== 'example' && key !== 'examples') walk(value, `${at}/${key}`);
    })(paths, '#/paths');
    assert.deepEqual(inline, []);
    // Every $ref points at something that exists.
    const text = JSON.stringify(doc);
    for (const [, kind, name] of text.matchAll(/"\$ref":"#\/components\/(\w+)\/([^"]+)"/g)) assert.ok(components[kind!]?.[name!], `${kind}/${name}`);
  });

  test('servers, root security, and public routes that say they need no key', async () => {
    const { servers, security, paths } = await served();
    assert.ok(servers.length > 0);
    assert.deepEqual(security, [{ bearer: [] }]);
    assert.deepEqual(paths['/healthz'].get.security, []);
  });

  test('headers: X-Request-Id everywhere, ETag on user responses and 412, Retry-After on 429/503, Idempotency-Key on POSTs, If-Match on guarded writes', async () => {
    const { paths } = await served();
    for (const { route, operation } of operations(doc)) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        assert.ok(response.headers?.['X-Request-Id'], `${route} ${status}: X-Request-Id`);
        if (status === '429' || status === '503') assert.ok(response.headers['Retry-After'], `${route} ${status}: Retry-After`);
        if (status === '412') assert.ok(response.headers.ETag, `${route} 412: ETag`);
      }
      if (route.startsWith('POST') && operation.security?.length !== 0) {
        assert.ok(operation.parameters.some((p: Json) => p.$ref === '#/components/parameters/IdempotencyKey'), `${route}: Idempotency-Key`);
      }
    }
    const update = paths['/v1/users/{id}'].patch;
    assert.ok(update.responses['200'].headers.ETag && update.responses['200'].headers['RateLimit-Remaining']);
    assert.ok(update.parameters.some((p: Json) => p.$ref === '#/components/parameters/IfMatch'));
    assert.ok(paths['/v1/users/{id}'].delete.parameters.some((p: Json) => p.$ref === '#/components/parameters/IfMatch'));
    assert.equal(paths['/user_management/users/{id}'].put.responses['200'].headers.ETag, undefined, 'the WorkOS door sends no ETag');
  });

  test('webhook payloads under webhooks', async () => {
    const { webhooks } = await served();
    assert.deepEqual(Object.keys(webhooks), ['user.created', 'user.updated', 'user.deleted']);
    assert.deepEqual(webhooks['user.updated'].post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/WebhookEvent' });
    assert.ok(webhooks['user.updated'].post.parameters.some((p: Json) => p.name === 'webhook-signature'));
  });

  test('the committed snapshot docs/openapi.json is the served document', async () => {
    const committed = readFileSync(SNAPSHOT, 'utf8');
    assert.ok(committed === snapshotText(await served()), 'docs/openapi.json differs from the served document: run `npm run generate` and commit the result');
  });

  test("the client's generated types are those of the snapshot", async () => {
    const committed = readFileSync(CLIENT_TYPES, 'utf8');
    const expected = await clientTypesText(JSON.parse(readFileSync(SNAPSHOT, 'utf8')));
    assert.ok(committed === expected, 'packages/client/src/schema.ts is stale: run `npm run generate` and commit the result');
  });
});
