/** `userplane keys create|list|revoke --env test|live`: API keys from the terminal. */
import type { Config } from '../config.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Environment } from '../domain/user.ts';
import { SCOPES } from '../services/api-key-service.ts';
import { createServices } from '../services/index.ts';
import type { ApiKeyType, Scope } from '../store/contract.ts';
import { openDatabase } from './database.ts';
import { CommandError } from './failure.ts';

/** What commander parsed; --env and --type are already checked against their choices. */
export interface KeysOptions {
  action: 'create' | 'list' | 'revoke';
  env: Environment;
  name?: string;
  scopes?: string;
  type?: ApiKeyType;
  id?: string;
  requireUserProof?: boolean;
}

export async function keysCommand(config: Config, options: KeysOptions): Promise<number> {
  const type = options.type ?? 'secret';
  const scopes = (options.scopes ?? (type === 'secret' ? 'read,write' : '')).split(',').filter(Boolean) as Scope[];
  const bad = scopes.filter((s) => !SCOPES.includes(s));
  // Checked before the database is opened: a typo creates nothing.
  if (options.action === 'create' && bad.length > 0) throw new CommandError(`keys create: --scopes must be among ${SCOPES.join(', ')}, got ${bad.join(', ')}`, 2);

  const store = await openDatabase(config);
  try {
    const services = createServices(store, config);
    const ctx = { environment: options.env, actor: 'cli', door: 'cli' as const, requestId: null, scopes: new Set(['admin'] as const) };
    switch (options.action) {
      case 'create': {
        const { key, secret } = await services.apiKeys.create(ctx, { name: options.name ?? 'CLI key', scopes, type, require_user_proof: options.requireUserProof === true });
        console.log(`${key.id}  ${key.type}  ${key.scopes.join(',') || '-'}  ${key.name}`);
        console.log(`secret (shown once): ${secret}`);
        if (key.user_proof_secret) console.log(`user proof secret (shown once; for your backend only): ${key.user_proof_secret}`);
        return 0;
      }
      case 'list': {
        for (const key of await services.apiKeys.list(ctx)) {
          console.log(`${key.id}  ${key.preview}  ${key.type}  ${key.scopes.join(',') || '-'}  ${key.revoked_at ? 'revoked' : 'active'}  ${key.name}`);
        }
        return 0;
      }
      case 'revoke': {
        const id = options.id!;
        try {
          await services.apiKeys.revoke(ctx, id);
        } catch (error) {
          if (error instanceof NotFoundError) throw new CommandError(`keys revoke: no active ${options.env} key has the id "${id}" (see: userplane keys list --env ${options.env})`);
          throw error;
        }
        console.log(`revoked ${id}`);
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}
