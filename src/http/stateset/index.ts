import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../domain/errors.ts';
import type { Services } from '../../services/index.ts';
import { sendStateSetError } from './error-codec.ts';
import { statesetUserRoutes } from './users.ts';

/** The StateSet door (seed 004), mounted at /stateset so its /v1/users paths cannot clash with ours. */
export const statesetDoor: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  app.setErrorHandler((error, request, reply) => sendStateSetError(error, request, reply));
  app.setNotFoundHandler((request, reply) => sendStateSetError(new NotFoundError('route'), request, reply));
  await app.register(statesetUserRoutes, { services: opts.services });
};
