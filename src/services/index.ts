import type { Config } from '../config.ts';
import { createConsoleMailer, type Mailer } from '../mail/mailer.ts';
import type { Store } from '../store/contract.ts';
import { createApiKeyService } from './api-key-service.ts';
import { systemClock, type Clock } from './context.ts';
import { createEmailVerificationService } from './email-verification-service.ts';
import { createIdentityService } from './identity-service.ts';
import { createTokenVerifier } from './oauth-tokens.ts';
import { createPasswordService } from './password-service.ts';
import { createUserService } from './user-service.ts';
import { createWebhookService, type EndpointPolicy } from './webhook-service.ts';

export interface ServiceDeps {
  clock?: Clock;
  mailer?: Mailer;
  /** Where failures that do not fail a request (a notice mail) are reported. */
  log?: (error: unknown, message: string) => void;
}

export function createServices(
  store: Store,
  config: Pick<Config, 'roles' | 'emailChange' | 'adminKeys'> & Partial<Pick<Config, 'oauth'>> & { webhookLimits?: EndpointPolicy },
  deps: ServiceDeps = {},
) {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((error: unknown, message: string) => console.error(message, error));
  const mailer = deps.mailer ?? createConsoleMailer({ info: () => {}, warn: () => {} });
  return {
    store,
    mailer,
    users: createUserService(store, { roles: config.roles, emailChange: config.emailChange, clock, mailer, log }),
    apiKeys: createApiKeyService(store, { configuredAdminKeys: config.adminKeys, clock }),
    passwords: createPasswordService(store),
    identities: createIdentityService(store, clock),
    emailVerification: createEmailVerificationService(store, clock, mailer),
    webhooks: createWebhookService(store, clock, config.webhookLimits),
    /** OAuth bearer tokens, when an issuer is configured. */
    tokens: config.oauth ? createTokenVerifier(config.oauth) : null,
  };
}

export type Services = ReturnType<typeof createServices>;
export type { RequestContext } from './context.ts';
