/**
 * The OpenAPI document's frame and its finishing pass. Routes describe themselves (schemas,
 * operationId, tags); this module adds what is the same everywhere, so that a new route gets it
 * without writing it: named schemas become components referred to by $ref, the headers that carry
 * request ids, rate limits, ETags and idempotency are documented on every operation they apply
 * to, the request examples of src/http/openapi-examples.ts are attached, and webhook payloads
 * are described under `webhooks`. docs/openapi.json is its committed snapshot (`npm run generate`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { SwaggerOptions } from '@fastify/swagger';
import { REQUEST_EXAMPLES, RESPONSE_EXAMPLES } from './openapi-examples.ts';
import { WEBHOOK_PAYLOADS } from './openapi-webhooks.ts';

type Json = Record<string, unknown>;

/** Tags in the order /docs shows them; every operation's tag must be one of these (test/openapi). */
export const TAGS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'users', description: '/v1, the canonical API: users, their history, and batch writes' },
  { name: 'passwords', description: '/v1: set, import and check passwords' },
  { name: 'email verification', description: '/v1: verify an address with a mailed code' },
  { name: 'identities', description: '/v1: linked sign-in identities (OAuth accounts)' },
  { name: 'events', description: '/v1: the pull feed of every event of the environment, oldest first' },
  { name: 'api keys', description: '/v1: secret and publishable keys (admin scope)' },
  { name: 'webhooks', description: '/v1: webhook endpoints and their deliveries (admin scope)' },
  { name: 'groups', description: '/v1: groups as identity providers push them over SCIM, their members, and a user\'s groups (read-only here)' },
  { name: 'scim', description: 'The SCIM 2.0 door (RFC 7643/7644) under /scim/v2, for Okta, Entra ID and other IdPs: discovery, Users, Groups, Bulk. Answers are application/scim+json' },
  { name: 'workos', description: "The WorkOS door: WorkOS User Management's user routes at their own paths, for the WorkOS SDKs" },
  { name: 'proficient', description: 'The Proficient door, under /proficient' },
  { name: 'klaim', description: 'The Klaim door, under /klaim' },
  { name: 'stateset', description: 'The StateSet door, under /stateset' },
  { name: 'system', description: 'Health and readiness, without a key' },
];

/** The 2xx body schemas whose responses carry the user's version as an ETag. */
const ETAG_SCHEMAS = new Set(['User', 'Group', 'Klaim_User', 'Stateset_User', 'Scim_User', 'Scim_Group']);

const HEADERS: Json = {
  'X-Request-Id': {
    description: 'The request id (yours when you sent a sane X-Request-Id, else req_…); also in every error body and log line',
    schema: { type: 'string' },
  },
  ETag: {
    description: 'The user\'s (or group\'s) version, quoted (e.g. "3"; the SCIM door sends it weak, W/"3"); send it back as If-Match to update only that version',
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 0 } },
  'RateLimit-Limit': { description: "Requests allowed per window for this credential (when USERPLANE_RATE_LIMIT is on)", schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
  'RateLimit-Policy': { description: '"<limit>;w=<window seconds>"', schema: { type: 'string' } },
  'Idempotent-Replayed': { description: 'true when this is the stored response of an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
};

const PARAMETERS: Json = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Any unique string (e.g. a UUID) of at most 255 characters. A retry with the same key, credential and body gets the first response again ' +
      '(Idempotent-Replayed: true) and writes nothing, for 24 hours; the same key with another body is a 422.',
    schema: { type: 'string', maxLength: 255 },
  },
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'The ETag you read (e.g. "3"): the write is refused with 412, and the current ETag, if the user changed meanwhile',
    schema: { type: 'string' },
  },
};

/** The options of @fastify/swagger: the document's frame and its finishing pass. */
export function swaggerOptions(): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Userplane',
        version: '0.1.0',
        description:
          'Self-hosted user management. The canonical API lives under /v1; the WorkOS, Proficient, Klaim and StateSet doors serve the same users in ' +
          'those vendors\' shapes, and the SCIM 2.0 door under /scim/v2 lets identity providers provision users and groups. A TypeScript client generated from this document is in packages/client (@userplane/client).',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [
        { url: '/', description: 'The server that serves this document' },
      ],
      security: [{ bearer: [] }],
      tags: TAGS.map((tag) => ({ ...tag })),
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: sk_live_…/sk_test_… (secret) or pk_… (publishable, where allowed)' } },
      },
    },
    // Only an openapi document is made here (never Swagger 2.0).
    transformObject: (document) => finishDocument((document as { openapiObject: Json }).openapiObject),
  };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The finishing pass over what @fastify/swagger made of the routes. */
export function finishDocument(input: Json): Json {
  const schemas: Json = {};
  const paths = hoistNamed(input.paths, schemas, '#/paths') as Record<string, Record<string, Json>>;
  for (const item of Object.values(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation) finishOperation(method, operation);
    }
  }
  const components = (input.components ?? {}) as Json;
  return {
    ...input,
    paths,
    // Written here, not converted by @fastify/swagger (which spells `const` and records its own way):
    // a schema the routes already named stands for itself.
    webhooks: hoistNamed(JSON.parse(JSON.stringify(WEBHOOK_PAYLOADS)), schemas, '#/webhooks', true),
    components: {
      ...components,
      schemas: sortKeys({ ...(components.schemas as Json | undefined), ...schemas }),
      headers: HEADERS,
      parameters: PARAMETERS,
    },
  };
}

function finishOperation(method: string, operation: Json): void {
  const authenticated = !Array.isArray(operation.security) || operation.security.length > 0;
  const id = operation.operationId as string | undefined;
  const parameters = ((operation.parameters ?? []) as Json[]).map((parameter) =>
    parameter.in === 'header' && String(parameter.name).toLowerCase() === 'if-match' ? { $ref: '#/components/parameters/IfMatch' } : parameter,
  );
  // Every POST of every door honours Idempotency-Key (src/http/idempotency.ts).
  if (method === 'post' && authenticated) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  if (parameters.length > 0) operation.parameters = parameters;

  const requestExample = id ? REQUEST_EXAMPLES[id] : undefined;
  const media = (operation.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
  if (requestExample !== undefined) for (const type of jsonTypes(media)) media![type]!.example = requestExample;

  for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
    const headers: Json = { 'X-Request-Id': ref('X-Request-Id') };
    const success = status.startsWith('2');
    const body = (jsonTypes(response.content as Record<string, Json> | undefined).map((type) => (response.content as Record<string, Json>)[type]!.schema)[0] ?? {}) as Json;
    const bodyName = typeof body.$ref === 'string' ? body.$ref.split('/').pop()! : null;
    if ((success && bodyName && ETAG_SCHEMAS.has(bodyName)) || status === '412') headers.ETag = ref('ETag');
    if (status === '429' || status === '503') headers['Retry-After'] = ref('Retry-After');
    if (authenticated && (success || status === '429')) {
      for (const name of ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy']) headers[name] = ref(name);
    }
    if (method === 'post' && authenticated && success) headers['Idempotent-Replayed'] = ref('Idempotent-Replayed');
    response.headers = { ...(response.headers as Json | undefined), ...headers };
    const responseExample = id ? RESPONSE_EXAMPLES[id]?.[status] : undefined;
    const content = response.content as Record<string, Json> | undefined;
    if (responseExample !== undefined) for (const type of jsonTypes(content)) content![type]!.example = responseExample;
  }
}

/** The JSON media types of a content map: application/json and the +json ones (SCIM's application/scim+json). */
function jsonTypes(content: Record<string, Json> | undefined): string[] {
  return Object.keys(content ?? {}).filter((type) => /^application\/(?:[\w.+-]+\+)?json$/.test(type));
}

function ref(header: string): Json {
  return { $ref: `#/components/headers/${header}` };
}

/** Keys whose values are data, not schemas: a `title` inside an example is no schema's name. */
const DATA_KEYS = new Set(['example', 'examples', 'default', 'const', 'enum']);
const COMPONENT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Every schema named with `named()` (a `title`) moves to components.schemas and is replaced by a
 * $ref, innermost first, so a List_User refers to User. A second, different schema under a name
 * already taken stays inline rather than silently standing for the first (or failing /openapi.json
 * in production): test/openapi/document.test.ts fails on any named schema left inline.
 */
function hoistNamed(node: unknown, schemas: Json, at: string, reuse = false): unknown {
  if (Array.isArray(node)) return node.map((item, index) => hoistNamed(item, schemas, `${at}/${index}`, reuse));
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = DATA_KEYS.has(key) ? value : hoistNamed(value, schemas, `${at}/${key}`, reuse);
  const name = out.title;
  if (typeof name !== 'string' || !COMPONENT_NAME.test(name) || !('type' in out || 'anyOf' in out || 'oneOf' in out)) return out;
  if (name in schemas && !reuse && !isDeepStrictEqual(schemas[name], out)) return out;
  if (!(name in schemas)) schemas[name] = out;
  return { $ref: `#/components/schemas/${name}` };
}

function sortKeys(object: Json): Json {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));
}
