/**
 * How to call each door's update and how its errors look: shared by the hostile-input and the
 * property-based suites, so every door is held to its own wire format.
 */
import type { User } from '../../src/domain/user.ts';

export interface DoorUnderTest {
  name: string;
  /** Method and path of this door's update of `user`. */
  update(user: User): { method: 'PATCH' | 'PUT' | 'POST'; url: string };
  /** Fields this door's update accepts, for generators to aim at. */
  fields: string[];
  /** True when `body` is an error in this door's own format. */
  isError(body: unknown): boolean;
  /** The status this door gives a field that fails validation (WorkOS: 422). */
  validationStatus: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const PROFICIENT_CODES = ['invalid_request', 'invalid_credentials', 'forbidden', 'resource_not_found', 'conflict', 'unavailable', 'unknown'];

export const DOORS: DoorUnderTest[] = [
  {
    name: 'v1',
    update: (user) => ({ method: 'PATCH', url: `/v1/users/${user.id}` }),
    fields: ['email', 'email_verified', 'username', 'first_name', 'last_name', 'name', 'role', 'external_id', 'locale', 'phone', 'avatar_url', 'bio', 'birthday', 'country', 'metadata', 'active', 'last_seen_at', 'id', 'version', 'password'],
    isError: (b) => isObject(b) && typeof b.error === 'string' && typeof b.message === 'string' && typeof b.request_id === 'string' && (b.details === undefined || isObject(b.details)),
    validationStatus: 400,
  },
  {
    name: 'workos',
    update: (user) => ({ method: 'PUT', url: `/user_management/users/${user.id}` }),
    fields: ['email', 'email_verified', 'first_name', 'last_name', 'name', 'password', 'password_hash', 'password_hash_type', 'external_id', 'locale', 'metadata'],
    isError: (b) => isObject(b) && typeof b.message === 'string' && (b.code === undefined || typeof b.code === 'string') && (b.errors === undefined || Array.isArray(b.errors)),
    validationStatus: 422,
  },
  {
    name: 'proficient',
    update: (user) => ({ method: 'POST', url: `/proficient/users/${user.id}` }),
    fields: ['first_name', 'last_name', 'email'],
    isError: (b) => isObject(b) && isObject(b.error) && PROFICIENT_CODES.includes(String(b.error.code)) && typeof b.error.message === 'string',
    validationStatus: 400,
  },
  {
    name: 'klaim',
    update: (user) => ({ method: 'PUT', url: `/klaim/users/${encodeURIComponent(user.external_id ?? '')}` }),
    fields: ['name', 'email', 'user_id', 'metadata', 'klaim_id', 'credit_balance'],
    isError: (b) => isObject(b) && typeof b.message === 'string' && !('error' in b) && (b.errors === undefined || isObject(b.errors)),
    validationStatus: 400,
  },
  {
    name: 'stateset',
    update: (user) => ({ method: 'PUT', url: `/stateset/v1/users/${user.id}` }),
    fields: ['id', 'active', 'avatar', 'bio', 'birthday', 'country', 'email', 'firstName', 'lastName', 'last_seen', 'last_typed', 'location', 'organization', 'phone', 'regions', 'title', 'twitter', 'username'],
    isError: (b) => isObject(b) && b.success === 0 && isObject(b.error) && typeof b.error.code === 'string' && typeof b.error.message === 'string',
    validationStatus: 400,
  },
  {
    name: 'scim',
    // A SCIM PUT is a full replace (README "SCIM"); a body without userName keeps it.
    update: (user) => ({ method: 'PUT', url: `/scim/v2/Users/${user.id}` }),
    fields: ['displayName', 'userName', 'name', 'emails', 'phoneNumbers', 'externalId', 'active', 'title', 'locale', 'nickName', 'timezone', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'id', 'meta', 'password'],
    isError: (b) =>
      isObject(b) && Array.isArray(b.schemas) && b.schemas[0] === 'urn:ietf:params:scim:api:messages:2.0:Error' && typeof b.status === 'string' && typeof b.detail === 'string',
    validationStatus: 400,
  },
];
