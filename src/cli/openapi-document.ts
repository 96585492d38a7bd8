/**
 * The OpenAPI document exactly as `userplane serve` serves it, made without a configured database:
 * a server over a throwaway SQLite file is built, asked for its document, and closed. For
 * `npm run generate` (scripts/generate.ts), which writes the committed snapshot from it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../http/server.ts';
import { createServices } from '../services/index.ts';
import { openStore } from '../store/kysely-store.ts';

export async function servedDocument(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'userplane-openapi-'));
  try {
    const store = await openStore(`sqlite:${join(dir, 'openapi.db')}`);
    try {
      const services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [] }, { log: () => {} });
      const app = await buildServer({ services, logLevel: 'silent' });
      try {
        await app.ready();
        return app.swagger() as unknown as Record<string, unknown>;
      } finally {
        await app.close();
      }
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
