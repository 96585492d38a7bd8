/**
 * API keys: secret keys (sk_live_/sk_test_) with scopes, and publishable keys (pk_…). Only a
 * SHA-256 of each secret is stored; secrets carry 192 random bits, so a fast hash is enough.
 */
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { ENVIRONMENTS, type Environment } from '../domain/user.ts';
import type { ApiKeyRecord, ApiKeyType, Scope, Store } from '../store/contract.ts';
import type { Clock, RequestContext } from './context.ts';

export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

/** Who a request acts as, once its credential is accepted. */
export interface Principal {
  keyId: string;
  environment: Environment;
  type: ApiKeyType;
  scopes: ReadonlySet<Scope>;
  /** A publishable key created with require_user_proof: the secret its end users' proofs are checked with. */
  userProofSecret?: string;
  /**
   * What rate limits count under when keyId is not unique beyond this deployment (the positional
   * ids of USERPLANE_ADMIN_KEYS, which two deployments sharing one Redis would both have). Internal:
   * never shown in a response or an event.
   */
  budgetId?: string;
}

/** admin includes write, write includes read. */
export function hasScope(principal: Principal, needed: Scope): boolean {
  if (principal.scopes.has('admin')) return true;
  if (needed === 'read') return principal.scopes.has('read') || principal.scopes.has('write');
  return principal.scopes.has(needed);
}

export function hashSecret(secret: string): string {
  // The one-shot form: no Hash object per authenticated request.
  return hash('sha256', secret, 'hex');
}

const SECRET_FORMAT = /^(sk|pk)_(live|test)_[A-Za-z0-9_-]{16,128}$/;

function newSecret(type: ApiKeyType, environment: Environment): string {
  return `${type === 'secret' ? 'sk' : 'pk'}_${environment}_${randomBytes(24).toString('base64url')}`;
}

function preview(secret: string): string {
  return `${secret.slice(0, 8)}…${secret.slice(-4)}`;
}

/**
 * The id of the nth key of USERPLANE_ADMIN_KEYS (0-based): its position, never anything derived
 * from the secret (a hash prefix would let anyone who sees an event's actor test guesses offline).
 * Stable across processes and restarts as long as the list keeps its order.
 */
export function configuredKeyId(index: number): string {
  return `key_config_${index + 1}`;
}

export interface ApiKeyServiceOptions {
  /** Keys from USERPLANE_ADMIN_KEYS: admin keys of the environment their prefix names. */
  configuredAdminKeys: readonly string[];
  clock: Clock;
}

export interface CreatedKey {
  key: ApiKeyRecord;
  /** Shown once, never stored. */
  secret: string;
}

export interface NewKey {
  name: string;
  scopes: Scope[];
  type: ApiKeyType;
  /** Publishable keys only: end users must be proven by the application's backend (X-User-Hash or X-User-Token). */
  requireUserProof?: boolean;
}

export function createApiKeyService(store: Store, options: ApiKeyServiceOptions) {
  const configured = new Map<string, Principal>();
  options.configuredAdminKeys.forEach((secret, index) => {
    const environment = secret.startsWith('sk_live_') ? 'live' : 'test';
    const budgetId = createHash('sha256').update(`userplane rate-limit budget\n${secret}`).digest('base64url').slice(0, 22);
    configured.set(hashSecret(secret), { keyId: configuredKeyId(index), environment, type: 'secret', scopes: new Set(['admin']), budgetId });
  });

  async function insertKey(environment: Environment, input: NewKey, createdBy: string | null): Promise<CreatedKey> {
    const secret = newSecret(input.type, environment);
    const proofSecret = input.type === 'publishable' && input.requireUserProof ? `ups_${randomBytes(32).toString('base64url')}` : undefined;
    const key: ApiKeyRecord = {
      id: newId('key'),
      environment,
      name: input.name,
      type: input.type,
      scopes: input.type === 'publishable' ? [] : input.scopes,
      secret_hash: hashSecret(secret),
      preview: preview(secret),
      created_by: createdBy,
      created_at: options.clock().toISOString(),
      revoked_at: null,
      ...(proofSecret ? { user_proof_secret: proofSecret } : {}),
    };
    await store.apiKeys.insert(key);
    return { key, secret };
  }

  return {
    /** The principal a presented secret stands for, or null when it is unknown or revoked. */
    async authenticate(secret: string): Promise<Principal | null> {
      if (!SECRET_FORMAT.test(secret)) return null;
      const hash = hashSecret(secret);
      const fromConfig = configured.get(hash);
      if (fromConfig) return fromConfig;
      const key = await store.apiKeys.findBySecretHash(hash);
      // The index found the row by hash; compare again in constant time before trusting it.
      if (!key || key.revoked_at !== null || !timingSafeEqual(Buffer.from(key.secret_hash), Buffer.from(hash))) return null;
      const principal: Principal = { keyId: key.id, environment: key.environment, type: key.type, scopes: new Set(key.scopes) };
      if (key.type === 'publishable' && key.user_proof_secret) principal.userProofSecret = key.user_proof_secret;
      return principal;
    },

    async create(ctx: RequestContext, input: { name: string; scopes?: Scope[]; type?: ApiKeyType; require_user_proof?: boolean }): Promise<CreatedKey> {
      const type = input.type ?? 'secret';
      const scopes = [...new Set(input.scopes ?? [])];
      if (type === 'secret' && scopes.length === 0) throw ValidationError.field('scopes', 'A secret key needs at least one scope');
      if (type === 'publishable' && scopes.length > 0) {
        throw ValidationError.field('scopes', 'Publishable keys have no scopes; they act only for the user they name');
      }
      if (input.name.trim() === '') throw ValidationError.field('name', 'Must not be empty');
      // Stored as text, and PostgreSQL refuses NUL in text: a 400 on both databases, not a 500 on one.
      if (input.name.includes('\u0000')) throw ValidationError.field('name', 'Must not contain NUL characters');
      if (input.require_user_proof && type !== 'publishable') {
        throw ValidationError.field('require_user_proof', 'Only publishable keys act for end users; a secret key needs no proof of one');
      }
      return insertKey(ctx.environment, { name: input.name, scopes, type, requireUserProof: input.require_user_proof === true }, ctx.actor);
    },

    list: (ctx: RequestContext) => store.apiKeys.list(ctx.environment),
    page: (ctx: RequestContext, page: { limit: number; after?: string; before?: string }) => store.apiKeys.page(ctx.environment, page),

    async revoke(ctx: RequestContext, id: string): Promise<void> {
      const revoked = await store.apiKeys.revoke(ctx.environment, id, options.clock().toISOString());
      if (!revoked) throw new NotFoundError('api_key', id);
    },

    /** On an empty store with no configured keys: one admin key per environment, to print once. */
    async bootstrap(): Promise<CreatedKey[]> {
      if (configured.size > 0 || (await store.apiKeys.count()) > 0) return [];
      const created: CreatedKey[] = [];
      for (const environment of ENVIRONMENTS) {
        created.push(await insertKey(environment, { name: `Initial ${environment} admin key`, scopes: ['admin'], type: 'secret' }, null));
      }
      return created;
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
