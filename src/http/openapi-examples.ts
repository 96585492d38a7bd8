/**
 * The example bodies of the OpenAPI document, by operationId: what /docs pre-fills under "Try it
 * out" and what generated docs show. test/openapi/examples.test.ts checks each against its schema
 * and sends every request example to a live server, so they stay ones the server accepts.
 */

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
