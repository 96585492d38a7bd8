import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';
import { proficient } from './door.ts';
import { proficientUserRoutes } from './users.ts';

/** The Proficient AI door (seed 000), mounted at /proficient: its SDK needs only this base URL. */
export const proficientDoor: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  proficient.install(app);
  await app.register(proficientUserRoutes, { services: opts.services });
};
