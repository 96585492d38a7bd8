import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';
import { stateset } from './door.ts';
import { statesetUserRoutes } from './users.ts';

/** The StateSet door (seed 004), mounted at /stateset so its /v1/users paths cannot clash with ours. */
export const statesetDoor: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  stateset.install(app);
  await app.register(statesetUserRoutes, { services: opts.services });
};
