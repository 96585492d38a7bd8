import type { Config } from '../config.ts';
import type { Store } from '../store/contract.ts';
import { createApiKeyService } from './api-key-service.ts';
import { systemClock, type Clock } from './context.ts';
import { createUserService } from './user-service.ts';

export function createServices(store: Store, config: Pick<Config, 'roles' | 'emailChange' | 'adminKeys'>, clock: Clock = systemClock) {
  return {
    store,
    users: createUserService(store, { roles: config.roles, emailChange: config.emailChange, clock }),
    apiKeys: createApiKeyService(store, { configuredAdminKeys: config.adminKeys, clock }),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { RequestContext } from './context.ts';
