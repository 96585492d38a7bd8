import { defaultHashConcurrency, type Config, type PasswordConfig } from '../config.ts';
import { createConsoleMailer, type Mailer } from '../mail/mailer.ts';
import type { Store } from '../store/contract.ts';
import { createBatchService } from './batch-service.ts';
import { createApiKeyService } from './api-key-service.ts';
import { systemClock, type Clock } from './context.ts';
import { createEmailVerificationService } from './email-verification-service.ts';
import { createEventFeedService } from './event-feed.ts';
import { createGroupService } from './group-service.ts';
import { createEndUserProof } from './end-user-proof.ts';
import { createExportService } from './export-service.ts';
import { createIdentityService } from './identity-service.ts';
import { createTokenVerifier } from './oauth-tokens.ts';
import { DEFAULT_HASH_CEILINGS, createPasswordHasher } from './password-hashing/index.ts';
import { createPasswordMigrationHook } from './password-migration-hook.ts';
import { createPasswordService } from './password-service.ts';
import { createSubjectExportService } from './subject-export.ts';
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
  config: Pick<Config, 'roles' | 'emailChange' | 'adminKeys'> & Partial<Pick<Config, 'oauth' | 'endUsers' | 'privacy'>> & {
    passwords?: Partial<PasswordConfig>;
    webhookLimits?: EndpointPolicy;
  },
  deps: ServiceDeps = {},
) {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((error: unknown, message: string) => console.error(message, error));
  const mailer = deps.mailer ?? createConsoleMailer({ info: () => {}, warn: () => {} });
  const tokens = config.oauth ? createTokenVerifier(config.oauth) : null;
  const passwords = { ...defaultPasswordConfig(), ...config.passwords };
  const hasher = createPasswordHasher({
    ceilings: passwords.ceilings,
    queue: { concurrency: passwords.concurrency, maxWaitMs: passwords.queueTimeoutMs, maxQueued: passwords.queueLength },
  });
  const userOptions = { roles: config.roles, emailChange: config.emailChange, clock, mailer, log, deletedUserHistory: config.privacy?.deletedUserHistory };
  const users = createUserService(store, userOptions);
  const migrationHook = passwords.migration ? createPasswordMigrationHook(passwords.migration) : null;
  const passwordService = createPasswordService(store, { hasher, failures: passwords.failures, clock, migrationHook });
  return {
    store,
    mailer,
    users,
    apiKeys: createApiKeyService(store, { configuredAdminKeys: config.adminKeys, clock }),
    passwords: passwordService,
    /** Batch writes through /v1/users/batch (issue 15). */
    batches: createBatchService(users, passwordService, { store, usersOver: (grouped) => createUserService(grouped, userOptions) }),
    identities: createIdentityService(store, clock),
    /** GET /v1/users/export (issue 15, item 4). */
    exports: createExportService(store, clock),
    emailVerification: createEmailVerificationService(store, clock, mailer),
    webhooks: createWebhookService(store, clock, config.webhookLimits),
    /** Groups (issue 17): /v1 reads them, SCIM writes them. */
    groups: createGroupService(store, { clock }),
    /** OAuth bearer tokens, when an issuer is configured. */
    tokens,
    /** Proofs of end users for publishable keys that require them. */
    endUsers: createEndUserProof(tokens, config.endUsers?.proofTokenMaxLifetimeSeconds ?? 300),
    /** The environment's events as a pull feed (issue 16, item 4). */
    feed: createEventFeedService(store),
    /** Everything held about one user, for an access request (issue 16, item 5). */
    subjectExports: createSubjectExportService(store, clock),
  };
}

/** What createServices uses when the caller passes no password settings (loadConfig's defaults). */
function defaultPasswordConfig(): PasswordConfig {
  return {
    ceilings: DEFAULT_HASH_CEILINGS,
    concurrency: defaultHashConcurrency(),
    queueTimeoutMs: 5_000,
    queueLength: 256,
    failures: { max: 10, windowMs: 600_000 },
  };
}

export type Services = ReturnType<typeof createServices>;
export type { RequestContext } from './context.ts';
