import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import type { Environment } from '../domain/user.ts';
import { SCOPES } from '../services/api-key-service.ts';
import { createServices } from '../services/index.ts';
import type { ApiKeyType, Scope } from '../store/contract.ts';
import { openStore } from '../store/kysely-store.ts';

export async function keysCommand(config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { env: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' }, type: { type: 'string' }, 'require-user-proof': { type: 'boolean' } },
  });
  const [action, id] = positionals;
  const environment = values.env as Environment;
  if (environment !== 'live' && environment !== 'test') {
    console.error('keys: --env must be live or test');
    return 2;
  }
  const store = await openStore(config.databaseUrl);
  try {
    const services = createServices(store, config);
    const ctx = { environment, actor: 'cli', door: 'cli' as const, requestId: null, scopes: new Set(['admin'] as const) };
    switch (action) {
      case 'create': {
        const type = ((values.type as string | undefined) ?? 'secret') as ApiKeyType;
        const scopes = String(values.scopes ?? (type === 'secret' ? 'read,write' : '')).split(',').filter(Boolean) as Scope[];
        const bad = scopes.filter((s) => !SCOPES.includes(s));
        if (bad.length > 0 || (type !== 'secret' && type !== 'publishable')) {
          console.error(`keys create: scopes must be among ${SCOPES.join(', ')} and --type secret or publishable`);
          return 2;
        }
        const requireUserProof = values['require-user-proof'] === true;
        const { key, secret } = await services.apiKeys.create(ctx, { name: String(values.name ?? 'CLI key'), scopes, type, require_user_proof: requireUserProof });
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
        if (!id) {
          console.error('keys revoke: give the key id');
          return 2;
        }
        await services.apiKeys.revoke(ctx, id);
        console.log(`revoked ${id}`);
        return 0;
      }
      default:
        console.error('keys: use create, list or revoke');
        return 2;
    }
  } finally {
    await store.close();
  }
}
