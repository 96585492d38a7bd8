/**
 * The SCIM schemas this door serves (RFC 7643 §4, §8.7): the core User with the enterprise
 * extension, and the core Group. One description serves three purposes: the /Schemas discovery
 * document, the case-insensitive reading of attribute names, and the PATCH engine's checks
 * (unknown path → invalidPath, readOnly/immutable → mutability, "True"/"False" → booleans).
 */

export const SCHEMAS = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  bulkRequest: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest',
  bulkResponse: 'urn:ietf:params:scim:api:messages:2.0:BulkResponse',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued?: boolean;
  description?: string;
  required?: boolean;
  caseExact?: boolean;
  mutability?: Mutability;
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

const str = (name: string, extra: Partial<AttributeDef> = {}): AttributeDef => ({ name, type: 'string', ...extra });
const bool = (name: string, extra: Partial<AttributeDef> = {}): AttributeDef => ({ name, type: 'boolean', ...extra });

/** value/display/type/primary: the sub-attributes of every multi-valued attribute of RFC 7643 §2.4. */
function multi(name: string, description: string, types: string[], valueType: AttributeType = 'string'): AttributeDef {
  return {
    name,
    type: 'complex',
    multiValued: true,
    description,
    subAttributes: [
      { name: 'value', type: valueType },
      str('display'),
      str('type', { canonicalValues: types }),
      bool('primary'),
    ],
  };
}

export const USER_SCHEMA: SchemaDef = {
  id: SCHEMAS.user,
  name: 'User',
  description: 'User Account',
  attributes: [
    str('userName', { required: true, uniqueness: 'server', description: 'Unique identifier for the User; an email address is kept as the user\'s email. Compared case-insensitively.' }),
    {
      name: 'name',
      type: 'complex',
      description: "The components of the user's real name.",
      subAttributes: [str('formatted'), str('familyName'), str('givenName'), str('middleName'), str('honorificPrefix'), str('honorificSuffix')],
    },
    str('displayName'),
    str('nickName'),
    { name: 'profileUrl', type: 'reference', referenceTypes: ['external'] },
    str('title'),
    str('userType'),
    str('preferredLanguage'),
    str('locale'),
    str('timezone'),
    bool('active'),
    str('password', { mutability: 'writeOnly', returned: 'never' }),
    multi('emails', 'Email addresses for the user; the primary (or first work) address is the user\'s email.', ['work', 'home', 'other']),
    multi('phoneNumbers', 'Phone numbers for the User; the primary one is the user\'s phone when it is in E.164 form.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multi('ims', 'Instant messaging addresses for the User.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multi('photos', 'URLs of photos of the User.', ['photo', 'thumbnail'], 'reference'),
    {
      name: 'addresses',
      type: 'complex',
      multiValued: true,
      subAttributes: [str('formatted'), str('streetAddress'), str('locality'), str('region'), str('postalCode'), str('country'), str('type', { canonicalValues: ['work', 'home', 'other'] }), bool('primary')],
    },
    {
      name: 'groups',
      type: 'complex',
      multiValued: true,
      mutability: 'readOnly',
      description: 'Groups the user belongs to; changed through the Group resource.',
      subAttributes: [str('value', { mutability: 'readOnly' }), { name: '$ref', type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }, str('display', { mutability: 'readOnly' }), str('type', { mutability: 'readOnly' })],
    },
    multi('entitlements', 'Entitlements of the User.', []),
    multi('roles', 'Roles of the User.', []),
    multi('x509Certificates', 'Certificates of the User.', [], 'binary'),
  ],
};

export const ENTERPRISE_SCHEMA: SchemaDef = {
  id: SCHEMAS.enterprise,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber'),
    str('costCenter'),
    str('organization'),
    str('division'),
    str('department'),
    {
      name: 'manager',
      type: 'complex',
      subAttributes: [str('value'), { name: '$ref', type: 'reference', referenceTypes: ['User'] }, str('displayName', { mutability: 'readOnly' })],
    },
  ],
};

export const GROUP_SCHEMA: SchemaDef = {
  id: SCHEMAS.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    str('displayName', { required: true, uniqueness: 'none' }),
    {
      name: 'members',
      type: 'complex',
      multiValued: true,
      description: 'Members of the Group: users, by id.',
      subAttributes: [str('value', { mutability: 'immutable' }), { name: '$ref', type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'immutable' }, str('display', { mutability: 'readOnly' }), str('type', { mutability: 'immutable', canonicalValues: ['User'] })],
    },
  ],
};

/** Attributes every resource has (RFC 7643 §3.1), described once. */
export const COMMON_ATTRIBUTES: AttributeDef[] = [
  str('id', { mutability: 'readOnly', returned: 'always', caseExact: true, uniqueness: 'server' }),
  str('externalId', { caseExact: true }),
  {
    name: 'meta',
    type: 'complex',
    mutability: 'readOnly',
    subAttributes: [str('resourceType'), { name: 'created', type: 'dateTime' }, { name: 'lastModified', type: 'dateTime' }, str('location'), str('version')],
  },
];

/** A resource's schemas for the PATCH engine and key normalisation: the core one and its extensions. */
export interface ResourceSchemas {
  core: SchemaDef;
  extensions: SchemaDef[];
}

export const USER_RESOURCE: ResourceSchemas = { core: USER_SCHEMA, extensions: [ENTERPRISE_SCHEMA] };
export const GROUP_RESOURCE: ResourceSchemas = { core: GROUP_SCHEMA, extensions: [] };

/** The definition of `name` among `attributes`, compared case-insensitively. */
export function findAttribute(attributes: readonly AttributeDef[], name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return attributes.find((a) => a.name.toLowerCase() === lower);
}

/** The core attributes of a resource, with the common ones. */
export function coreAttributes(resource: ResourceSchemas): AttributeDef[] {
  return [...COMMON_ATTRIBUTES, ...resource.core.attributes];
}

/** The extension schema with this URN (case-insensitive), if the resource has it. */
export function findExtension(resource: ResourceSchemas, urn: string): SchemaDef | undefined {
  const lower = urn.toLowerCase();
  return resource.extensions.find((s) => s.id.toLowerCase() === lower);
}
