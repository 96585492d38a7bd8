/** /openapi.json is generated from the route schemas; /docs renders it; health endpoints answer. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from './helpers/databases.ts';
import { useTestApp } from './helpers/app.ts';

describe('API description and health', () => {
  const t = useTestApp(DATABASES[0]!);

  test('OpenAPI 3.1 with every /v1 route, its body schema and its error statuses', async () => {
    const res = await t.request({ method: 'GET', url: '/openapi.json', key: null });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi, '3.1.0');
    const patch = doc.paths['/v1/users/{id}'].patch;
    assert.deepEqual(Object.keys(patch.responses).sort(), ['200', '400', '401', '403', '404', '409', '412', '413', '415', '429', '500', '503']);
    assert.deepEqual(patch.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/UserPatch' });
    const body = doc.components.schemas.UserPatch;
    assert.equal(body.additionalProperties, false);
    assert.ok(body.properties.metadata && body.properties.email);
    for (const path of ['/v1/users', '/v1/users/{id}/events', '/v1/api_keys', '/v1/api_keys/{id}']) assert.ok(doc.paths[path], path);
    assert.ok(doc.components.securitySchemes.bearer);
  });

  test('/docs is a readable page served locally', async () => {
    const res = await t.request({ method: 'GET', url: '/docs/', key: null });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/html/);
  });

  test('/healthz and /readyz', async () => {
    assert.deepEqual((await t.request({ method: 'GET', url: '/healthz', key: null })).json(), { status: 'ok' });
    assert.deepEqual((await t.request({ method: 'GET', url: '/readyz', key: null })).json(), { status: 'ready', database: 'sqlite' });
  });
});
