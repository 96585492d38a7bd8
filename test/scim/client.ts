/** A small SCIM client over a test app: scim+json bodies, the test admin key as Bearer. */
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../helpers/app.ts';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Options = { key?: string | null; headers?: Record<string, string> };

export function scimClient(t: TestApp) {
  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, options: Options = {}): Promise<LightMyRequestResponse> =>
    t.request({
      method,
      url: `/scim/v2${path}`,
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      key: options.key,
      headers: { ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...options.headers },
    });
  return {
    get: (path: string, options?: Options) => call('GET', path, undefined, options),
    post: (path: string, body: unknown, options?: Options) => call('POST', path, body, options),
    put: (path: string, body: unknown, options?: Options) => call('PUT', path, body, options),
    patch: (path: string, body: unknown, options?: Options) => call('PATCH', path, body, options),
    delete: (path: string, options?: Options) => call('DELETE', path, undefined, options),
    /** A PatchOp body of these operations. */
    ops: (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations }),
  };
}
