import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';
import { klaim } from './door.ts';
import { klaimUserRoutes } from './users.ts';

/** The Klaim-compatible door (seed 002), mounted at /klaim: point a Klaim client's base URL here. */
export const klaimDoor: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  klaim.install(app);
  await app.register(klaimUserRoutes, { services: opts.services });
};
