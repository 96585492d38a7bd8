/**
 * Discovery (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas. Read without a key is
 * allowed by the RFC, but IdPs always send theirs, so these need the read scope like every route.
 * Group is described here too; its routes are added beside the User ones.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { NotFoundError } from '../../domain/errors.ts';
import { COMMON_ATTRIBUTES, ENTERPRISE_SCHEMA, GROUP_SCHEMA, SCHEMAS, USER_SCHEMA, type SchemaDef } from './schema.ts';
import { ScimListResponseSchema, ScimResourceTypeSchema, ScimSchemaSchema, ScimServiceProviderConfigSchema } from './schemas.ts';
import { BULK_LIMITS, MAX_COUNT, SCIM_PREFIX, SCIM_PRODUCES, scimErrors } from './wire.ts';
import { MAX_OPERATIONS as PATCH_MAX_OPERATIONS } from './patch.ts';

const tags = ['scim'];
const security = [{ bearer: [] }];
const README = 'https://github.com/userplane/userplane#scim';

function base(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${SCIM_PREFIX}`;
}

export function serviceProviderConfig(request: FastifyRequest) {
  return {
    schemas: [SCHEMAS.serviceProviderConfig],
    documentationUri: README,
    patch: { supported: true },
    bulk: { supported: true, maxOperations: BULK_LIMITS.maxOperations, maxPayloadSize: BULK_LIMITS.maxPayloadSize },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: true },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer key',
        description: `A Userplane secret key (sk_live_… or sk_test_…) as Authorization: Bearer <key>; the key alone is accepted too. Read scope reads, write scope writes. At most ${PATCH_MAX_OPERATIONS} operations per PatchOp.`,
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        documentationUri: README,
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base(request)}/ServiceProviderConfig` },
  };
}

const RESOURCE_TYPES = [
  { id: 'User', name: 'User', endpoint: '/Users', description: 'User Account', schema: SCHEMAS.user, schemaExtensions: [{ schema: SCHEMAS.enterprise, required: false }] },
  { id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group', schema: SCHEMAS.group, schemaExtensions: [] },
];

function resourceType(request: FastifyRequest, type: (typeof RESOURCE_TYPES)[number]) {
  return { schemas: [SCHEMAS.resourceType], ...type, meta: { resourceType: 'ResourceType', location: `${base(request)}/ResourceTypes/${type.id}` } };
}

function schemaResource(request: FastifyRequest, schema: SchemaDef) {
  // The common attributes (id, externalId, meta) belong to every resource; RFC 7643 §8.7.1 lists them in the core schemas.
  const attributes = schema.id === SCHEMAS.enterprise ? schema.attributes : [...COMMON_ATTRIBUTES, ...schema.attributes];
  return {
    schemas: [SCHEMAS.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: attributes.map(withDefaults),
    meta: { resourceType: 'Schema', location: `${base(request)}/Schemas/${schema.id}` },
  };
}

type Attribute = SchemaDef['attributes'][number];
/** Every characteristic spelled out, as RFC 7643 §7 describes them (IdPs read some of them). */
function withDefaults(attribute: Attribute): Record<string, unknown> {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued ?? false,
    description: attribute.description ?? '',
    required: attribute.required ?? false,
    caseExact: attribute.caseExact ?? false,
    mutability: attribute.mutability ?? 'readWrite',
    returned: attribute.returned ?? 'default',
    uniqueness: attribute.uniqueness ?? 'none',
    ...(attribute.canonicalValues ? { canonicalValues: attribute.canonicalValues } : {}),
    ...(attribute.referenceTypes ? { referenceTypes: attribute.referenceTypes } : {}),
    ...(attribute.subAttributes ? { subAttributes: attribute.subAttributes.map(withDefaults) } : {}),
  };
}

const ALL_SCHEMAS = [USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA];
const IdParam = Type.Object({ id: Type.String({ maxLength: 200 }) });

export const scimDiscoveryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const list = (resources: unknown[]) => ({ schemas: [SCHEMAS.list], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources });

  app.get('/ServiceProviderConfig', { config: { scope: 'read' }, schema: { operationId: 'scim_service_provider_config_get', tags, security, produces: SCIM_PRODUCES, summary: 'What this SCIM service supports (RFC 7644 §4)', response: { 200: ScimServiceProviderConfigSchema, ...scimErrors() } } }, async (request) =>
    serviceProviderConfig(request),
  );

  app.get('/ResourceTypes', { config: { scope: 'read' }, schema: { operationId: 'scim_resource_types_list', tags, security, produces: SCIM_PRODUCES, summary: 'The resource types: User and Group', response: { 200: ScimListResponseSchema, ...scimErrors() } } }, async (request) =>
    list(RESOURCE_TYPES.map((type) => resourceType(request, type))),
  );

  app.get('/ResourceTypes/:id', { config: { scope: 'read' }, schema: { operationId: 'scim_resource_types_get', tags, security, produces: SCIM_PRODUCES, summary: 'One resource type', params: IdParam, response: { 200: ScimResourceTypeSchema, ...scimErrors(404) } } }, async (request) => {
    const type = RESOURCE_TYPES.find((t) => t.id.toLowerCase() === request.params.id.toLowerCase());
    if (!type) throw new NotFoundError('route', request.params.id, `No resource type ${request.params.id}: there are User and Group`);
    return resourceType(request, type);
  });

  app.get('/Schemas', { config: { scope: 'read' }, schema: { operationId: 'scim_schemas_list', tags, security, produces: SCIM_PRODUCES, summary: 'The schemas: core User, enterprise User, Group', response: { 200: ScimListResponseSchema, ...scimErrors() } } }, async (request) =>
    list(ALL_SCHEMAS.map((schema) => schemaResource(request, schema))),
  );

  app.get('/Schemas/:id', { config: { scope: 'read' }, schema: { operationId: 'scim_schemas_get', tags, security, produces: SCIM_PRODUCES, summary: 'One schema, by its URN', params: IdParam, response: { 200: ScimSchemaSchema, ...scimErrors(404) } } }, async (request) => {
    const schema = ALL_SCHEMAS.find((s) => s.id.toLowerCase() === request.params.id.toLowerCase());
    if (!schema) throw new NotFoundError('route', request.params.id, `No schema ${request.params.id}: see /scim/v2/Schemas`);
    return schemaResource(request, schema);
  });
};
