/**
 * The example bodies of the OpenAPI document, by operationId: what /docs pre-fills under "Try it
 * out" and what generated docs show. test/openapi/examples.test.ts checks each against its schema
 * and sends every request example to a live server, so they stay ones the server accepts.
 */

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SCIM_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SCIM_PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const user = {
  id: 'usr_01jdq3v8a4x5s6e7r8t9y0z1ab',
  object: 'user',
  environment: 'live',
  email: 'jane@example.com',
  email_verified: true,
  pending_email: null,
  username: 'jane',
  first_name: 'Jane',
  last_name: 'Doe',
  name: 'Jane Doe',
  role: null,
  external_id: 'crm-1042',
  locale: 'en-GB',
  phone: null,
  avatar_url: null,
  bio: null,
  birthday: null,
  country: 'GB',
  location: null,
  organization: 'Example Ltd',
  title: 'Engineer',
  twitter: null,
  regions: null,
  active: true,
  last_seen_at: null,
  last_typed_at: null,
  metadata: { plan: 'pro' },
  password_set: false,
  password_migration_pending: false,
  source: 'v1',
  version: 2,
  created_at: '2026-01-05T09:30:00.000Z',
  updated_at: '2026-01-06T10:00:00.000Z',
};

/** Request bodies; every operation with a body has one (test/openapi/examples.test.ts checks). */
export const REQUEST_EXAMPLES: Readonly<Record<string, unknown>> = {
  users_create: { email: 'jane@example.com', username: 'jane', first_name: 'Jane', last_name: 'Doe', external_id: 'crm-1042', country: 'GB', metadata: { plan: 'free' } },
  users_update: { first_name: 'Janet', metadata: { plan: 'pro' } },
  users_batch: {
    operations: [
      { op: 'create', data: { email: 'ada@example.com', first_name: 'Ada', external_id: 'crm-1043' } },
      { op: 'upsert', match: 'external_id', data: { external_id: 'crm-1044', email: 'grace@example.com', first_name: 'Grace' } },
    ],
    dry_run: false,
  },
  users_password_set: { password: 'correct horse battery staple' },
  users_password_verify: { password: 'correct horse battery staple' },
  users_email_verification_confirm: { code: '123456' },
  users_identities_link: { provider: 'GoogleOAuth', provider_user_id: '104892347561234567890', email: 'jane@example.com' },
  api_keys_create: { name: 'Backend', scopes: ['read', 'write'] },
  webhook_endpoints_create: { url: 'https://hooks.example.com/userplane', event_types: ['user.created', 'user.updated'], description: 'CRM sync' },
  webhook_endpoints_update: { enabled: false, description: 'CRM sync (paused)' },
  workos_users_create: { email: 'marcelina@example.com', first_name: 'Marcelina', last_name: 'Davis', email_verified: false },
  workos_users_update: { last_name: 'Hoeger' },
  workos_users_email_verification_send: {},
  workos_users_email_verification_confirm: { code: '123456' },
  proficient_users_update: { first_name: 'Ada', last_name: 'Lovelace' },
  klaim_users_create: { user_id: 'klaim-1', name: 'Grace Hopper', email: 'grace.hopper@example.com', metadata: { team: 'compilers' } },
  klaim_users_update: { name: 'Grace B. Hopper' },
  stateset_users_update: { firstName: 'Alan', lastName: 'Turing', country: 'GB' },
  // What Okta and Entra ID send (see README "SCIM").
  scim_users_create: {
    schemas: [SCIM_USER, SCIM_ENTERPRISE],
    userName: 'bjensen@example.com',
    externalId: '00u1a2b3c4d5e6f7g8h9',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
    active: true,
    [SCIM_ENTERPRISE]: { organization: 'Example Ltd', department: 'Sales' },
  },
  scim_users_replace: {
    schemas: [SCIM_USER],
    userName: 'bjensen@example.com',
    externalId: '00u1a2b3c4d5e6f7g8h9',
    name: { givenName: 'Babs', familyName: 'Jensen' },
    emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
    active: true,
  },
  scim_users_patch: {
    schemas: [SCIM_PATCH_OP],
    Operations: [
      { op: 'replace', path: 'name.givenName', value: 'Barbara' },
      { op: 'Replace', path: 'active', value: 'False' },
    ],
  },
  scim_groups_create: { schemas: [SCIM_GROUP], displayName: 'Sales', externalId: '00g1a2b3c4d5e6f7g8h9', members: [] },
  scim_groups_replace: { schemas: [SCIM_GROUP], displayName: 'Sales EMEA', externalId: '00g1a2b3c4d5e6f7g8h9', members: [] },
  scim_groups_patch: { schemas: [SCIM_PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Sales and Marketing' }] },
  scim_bulk: {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    Operations: [
      { method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: [SCIM_USER], userName: 'kpatel@example.com', name: { givenName: 'Kiran', familyName: 'Patel' } } },
      { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [SCIM_GROUP], displayName: 'Support', members: [{ value: 'bulkId:u1' }] } },
    ],
  },
};

/** Response bodies by operationId and status. */
export const RESPONSE_EXAMPLES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  users_create: { '201': { ...user, version: 1, metadata: { plan: 'free' }, updated_at: user.created_at } },
  users_get: { '200': user },
  users_update: {
    '200': { ...user, first_name: 'Janet', version: 3 },
    '412': {
      error: 'precondition_failed',
      message: 'The user changed since you read it: it is at version 3 (ETag "3"), not the one If-Match names',
      request_id: 'req_6f1c2a9b8d7e6f5a4b3c2d1e',
    },
  },
};
