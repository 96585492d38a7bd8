/**
 * The document's examples (src/http/openapi-examples.ts) are ones a reader can use (issue 18):
 * every operation with a JSON body has a request example, every example is valid against its
 * schema, and every request example is sent to a live server, which accepts it. This is what
 * /docs pre-fills under "Try it out".
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as addFormatsModule from 'ajv-formats';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useListeningApp } from '../helpers/app.ts';

type Json = Record<string, any>;
const addFormats = addFormatsModule.default as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * Every operation with a request example, in the order they are sent, and the path parameters of
 * each (from what the earlier ones created). Two cannot succeed on a fresh server: a mailed code
 * is never "123456", so they must be refused for the code and nothing else.
 */
const SEQUENCE: Array<{ id: string; params?: (made: Json) => Json; refusedFor?: string }> = [
  { id: 'users_create' },
  { id: 'users_update', params: (m) => ({ id: m.user }) },
  { id: 'users_batch' },
  { id: 'users_password_set', params: (m) => ({ id: m.user }) },
  { id: 'users_password_verify', params: (m) => ({ id: m.user }) },
  { id: 'users_email_verification_confirm', params: (m) => ({ id: m.user }), refusedFor: 'verification_code_missing' },
  { id: 'users_identities_link', params: (m) => ({ id: m.user }) },
  { id: 'api_keys_create' },
  { id: 'webhook_endpoints_create' },
  { id: 'webhook_endpoints_update', params: (m) => ({ id: m.endpoint }) },
  { id: 'workos_users_create' },
  { id: 'workos_users_update', params: (m) => ({ id: m.workosUser }) },
  { id: 'workos_users_email_verification_send', params: (m) => ({ id: m.workosUser }) },
  { id: 'workos_users_email_verification_confirm', params: (m) => ({ id: m.workosUser }), refusedFor: 'email_verification_code_incorrect' },
  { id: 'proficient_users_update', params: (m) => ({ user_id: m.user }) },
  { id: 'klaim_users_create' },
  { id: 'klaim_users_update', params: () => ({ user_id: 'klaim-1' }) },
  { id: 'stateset_users_update', params: (m) => ({ id: m.user }) },
  { id: 'scim_users_create' },
  { id: 'scim_users_replace', params: (m) => ({ id: m.scimUser }) },
  { id: 'scim_users_patch', params: (m) => ({ id: m.scimUser }) },
  { id: 'scim_groups_create' },
  { id: 'scim_groups_replace', params: (m) => ({ id: m.scimGroup }) },
  { id: 'scim_groups_patch', params: (m) => ({ id: m.scimGroup }) },
  { id: 'scim_bulk' },
];

function operationsOf(doc: Json): Array<{ method: string; path: string; operation: Json }> {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    ['get', 'put', 'post', 'patch', 'delete'].filter((m) => item[m]).map((method) => ({ method, path, operation: item[method] as Json })),
  );
}

describe('OpenAPI examples', () => {
  // The mailed codes go nowhere: the confirm examples are refused for their code anyway. Idle
  // sockets are kept a minute, so that fetch never reuses one the server is closing (ECONNRESET on a busy machine).
  const t = useListeningApp(DATABASES[0]!, {
    webhookLimits: { allowPrivateNetworks: false },
    mailer: { kind: 'smtp', send: async () => {}, close() {} },
    edge: { keepAliveTimeoutMs: 60_000 },
  });
  let doc: Json;
  const served = async () => (doc ??= await (await fetch(`${t.base}/openapi.json`)).json());

  test('every operation with a JSON body has a request example, and each is sent below', async () => {
    const withBody = operationsOf(await served()).filter(({ operation }) => operation.requestBody?.content?.['application/json']);
    const missing = withBody.filter(({ operation }) => operation.requestBody.content['application/json'].example === undefined).map(({ operation }) => operation.operationId);
    assert.deepEqual(missing, [], 'add a request example to REQUEST_EXAMPLES in src/http/openapi-examples.ts');
    assert.deepEqual(withBody.map(({ operation }) => operation.operationId).sort(), SEQUENCE.map((step) => step.id).sort(), 'add the operation to SEQUENCE here');
  });

  test('every request and response example is valid against its schema', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const text = JSON.stringify({ components: (await served()).components }).replaceAll('"#/components/', '"doc#/components/');
    ajv.addSchema(JSON.parse(text), 'doc');
    const compile = (schema: unknown) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));
    let checked = 0;
    // Every media type's example (SCIM's application/scim+json too), of the paths and the webhooks.
    const media = (at: string, content: Json | undefined): Array<[string, Json]> => Object.entries(content ?? {}).map(([type, entry]) => [`${at} ${type}`, entry as Json]);
    const all = [...operationsOf(doc), ...Object.values(doc.webhooks as Json).map((item: Json) => ({ operation: item.post as Json }))];
    for (const { operation } of all) {
      const candidates = media(`${operation.operationId} request`, operation.requestBody?.content);
      for (const [status, response] of Object.entries(operation.responses as Json)) candidates.push(...media(`${operation.operationId} ${status}`, response.content));
      for (const [where, content] of candidates) {
        if (content.example === undefined) continue;
        const validate = compile(content.schema);
        assert.ok(validate(content.example), `${where}: ${ajv.errorsText(validate.errors)}`);
        checked++;
      }
    }
    // Every example of the document was checked: count them all, wherever they are.
    const everywhere = JSON.stringify(doc).match(/"example":/g)?.length ?? 0;
    assert.equal(checked, everywhere, `${checked} of ${everywhere} examples checked`);
  });

  test('the server accepts every request example', async () => {
    const byId = new Map(operationsOf(await served()).map((entry) => [entry.operation.operationId as string, entry]));
    const made: Json = {};
    for (const step of SEQUENCE) {
      const { method, path, operation } = byId.get(step.id)!;
      const params = step.params?.(made) ?? {};
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? assert.fail(`${step.id}: no value for {${name}}`)));
      const res = await fetch(`${t.base}${url}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(operation.requestBody.content['application/json'].example),
      });
      // A SCIM group PATCH answers 204 with no body (what Entra expects).
      const text = await res.text();
      const body = (text === '' ? null : JSON.parse(text)) as Json;
      if (step.refusedFor) {
        assert.equal(res.status, 400, `${step.id}: ${JSON.stringify(body)}`);
        assert.ok(JSON.stringify(body).includes(step.refusedFor), `${step.id} is refused for its code only: ${JSON.stringify(body)}`);
        continue;
      }
      assert.ok(res.status >= 200 && res.status < 300, `${method.toUpperCase()} ${url} (${step.id}) with its example: ${res.status} ${JSON.stringify(body)}`);
      if (step.id === 'users_create') made.user = body.id;
      if (step.id === 'webhook_endpoints_create') made.endpoint = body.id;
      if (step.id === 'workos_users_create') made.workosUser = body.id;
      if (step.id === 'scim_users_create') made.scimUser = body.id;
      if (step.id === 'scim_groups_create') made.scimGroup = body.id;
      if (step.id === 'scim_bulk') {
        // Bulk answers 200 whatever its operations did: each must have succeeded too.
        const failed = (body.Operations as Json[]).filter((result) => !String(result.status).startsWith('2'));
        assert.deepEqual(failed, [], `${step.id}: every operation of the example succeeds`);
      }
    }
  });
});
