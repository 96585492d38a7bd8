/**
 * The SCIM door's bodies as named OpenAPI schemas (Scim_…), for /docs and generated clients.
 * They describe; they do not decide: SCIM routes read their bodies with attachValidation (the
 * mappings answer in SCIM's terms), and these same schemas serialise the responses, where a typed
 * property would coerce what an IdP stored (Entra's "True" strings) or drop unknown keys. So every
 * object stays open, and only what this server itself always writes is typed; the rest is
 * described, its attributes listed at /scim/v2/Schemas.
 */
import { Type } from 'typebox';
import { named } from '../schemas.ts';
import { SCHEMAS } from './schema.ts';

const open = { additionalProperties: true } as const;
const any = (description: string) => Type.Unknown({ description });

const Schemas = (urns: string) => Type.Array(Type.String(), { description: `The schema URNs of the body: ${urns}` });
const Meta = any('resourceType, created, lastModified, location, and version (the ETag, e.g. W/"3"); read-only');

export const ScimUserSchema = named('Scim_User', Type.Object(
  {
    schemas: Type.Optional(Schemas(`${SCHEMAS.user}, and ${SCHEMAS.enterprise} when its attributes are sent`)),
    id: Type.Optional(Type.String({ description: 'The Userplane user id (usr_…); read-only' })),
    externalId: Type.Optional(Type.String({ description: "The IdP's id for the user; unique per environment" })),
    userName: Type.Optional(Type.String({ description: "Required on create; unique, case-insensitive. An email-shaped userName becomes the user's email" })),
    name: Type.Optional(any('givenName, familyName, formatted, … (RFC 7643 §4.1.1)')),
    displayName: Type.Optional(Type.String()),
    emails: Type.Optional(any('[{value, type, primary}]: the primary (or first work) address is the user\'s email')),
    phoneNumbers: Type.Optional(any('[{value, type, primary}]: the primary one is the user\'s phone when it is in E.164 form')),
    active: Type.Optional(Type.Boolean({ description: 'false deactivates the user; "True"/"False" strings are read as booleans in requests' })),
    locale: Type.Optional(Type.String()),
    title: Type.Optional(Type.String()),
    password: Type.Optional(any('Write-only: set on create, PUT or PATCH; never returned')),
    [SCHEMAS.enterprise]: Type.Optional(any('The enterprise extension: organization, department, manager, …')),
    meta: Type.Optional(Meta),
  },
  { ...open, description: 'A SCIM User (RFC 7643 §4.1) with the enterprise extension; other attributes of /scim/v2/Schemas are kept and returned as sent' },
));

export const ScimGroupSchema = named('Scim_Group', Type.Object(
  {
    schemas: Type.Optional(Schemas(SCHEMAS.group)),
    id: Type.Optional(Type.String({ description: 'The Userplane group id (grp_…); read-only' })),
    externalId: Type.Optional(Type.String({ description: "The IdP's id for the group; unique among groups" })),
    displayName: Type.Optional(Type.String({ description: 'Required; need not be unique' })),
    members: Type.Optional(any('[{value, $ref, type}]: users, by id (value); left out when excludedAttributes=members')),
    meta: Type.Optional(Meta),
  },
  { ...open, description: 'A SCIM Group (RFC 7643 §4.2): its members are users' },
));

export const ScimPatchOpSchema = named('Scim_PatchOp', Type.Object(
  {
    schemas: Schemas(SCHEMAS.patchOp),
    Operations: Type.Array(
      Type.Object(
        {
          op: Type.String({ description: 'add, replace or remove, in any case' }),
          path: Type.Optional(Type.String({ description: 'An attribute path, e.g. name.givenName, emails[type eq "work"].value, members[value eq "usr_…"]' })),
          value: Type.Optional(any('The value; without a path, an object of attributes')),
        },
        open,
      ),
    ),
  },
  { ...open, description: 'RFC 7644 §3.5.2: all operations are one change (one version, one event)' },
));

export const ScimListResponseSchema = named('Scim_ListResponse', Type.Object(
  {
    schemas: Schemas(SCHEMAS.list),
    totalResults: Type.Integer({ minimum: 0 }),
    itemsPerPage: Type.Integer({ minimum: 0 }),
    startIndex: Type.Integer({ minimum: 1 }),
    Resources: Type.Array(any('A resource of the listed type (Scim_User, Scim_Group, a ResourceType or a Schema)')),
  },
  { ...open, description: 'RFC 7644 §3.4.2 ListResponse' },
));

export const ScimServiceProviderConfigSchema = named('Scim_ServiceProviderConfig', Type.Object(
  {
    schemas: Schemas(SCHEMAS.serviceProviderConfig),
    patch: any('{supported}'),
    bulk: any('{supported, maxOperations, maxPayloadSize}'),
    filter: any('{supported, maxResults}'),
    changePassword: any('{supported}'),
    sort: any('{supported}'),
    etag: any('{supported}'),
    authenticationSchemes: any('The accepted credentials: a Userplane secret key as a bearer token'),
  },
  { ...open, description: 'RFC 7643 §5: what this SCIM service supports' },
));

export const ScimResourceTypeSchema = named('Scim_ResourceType', Type.Object(
  { schemas: Schemas(SCHEMAS.resourceType), id: Type.String(), name: Type.String(), endpoint: Type.String(), schema: Type.String() },
  { ...open, description: 'RFC 7643 §6: a resource type (User or Group)' },
));

export const ScimSchemaSchema = named('Scim_Schema', Type.Object(
  { schemas: Schemas(SCHEMAS.schema), id: Type.String({ description: 'The schema URN' }), name: Type.String(), attributes: any('The attributes and their characteristics (RFC 7643 §7)') },
  { ...open, description: 'RFC 7643 §7: a schema and its attributes' },
));

export const ScimBulkRequestSchema = named('Scim_BulkRequest', Type.Object(
  {
    schemas: Schemas(SCHEMAS.bulkRequest),
    failOnErrors: Type.Optional(Type.Integer({ minimum: 1, description: 'Stop after this many errors' })),
    Operations: Type.Array(
      Type.Object(
        {
          method: Type.String({ description: 'POST, PUT, PATCH or DELETE' }),
          path: Type.String({ description: '/Users, /Groups, /Users/{id} or /Groups/{id}; bulkId:<id> names a resource an earlier POST created' }),
          bulkId: Type.Optional(Type.String({ description: "Required for POST: the name later operations' bulkId:<id> refer to" })),
          version: Type.Optional(Type.String({ description: 'An ETag the resource must still have (as If-Match)' })),
          data: Type.Optional(any('The body: a Scim_User, a Scim_Group or a Scim_PatchOp')),
        },
        open,
      ),
    ),
  },
  { ...open, description: 'RFC 7644 §3.7 BulkRequest' },
));

export const ScimBulkResponseSchema = named('Scim_BulkResponse', Type.Object(
  {
    schemas: Schemas(SCHEMAS.bulkResponse),
    Operations: Type.Array(any('{method, bulkId, location, version, status, response (a Scim_Error when it failed)}')),
  },
  { ...open, description: 'RFC 7644 §3.7: one result per operation run, in order' },
));
