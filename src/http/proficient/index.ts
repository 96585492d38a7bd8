import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../domain/errors.ts';
import type { Services } from '../../services/index.ts';
import { sendProficientError } from './error-codec.ts';
import { proficientUserRoutes } from './users.ts';

/** The Proficient AI door (seed 000), mounted at /proficient: its SDK needs only this base URL. */
export const proficientDoor: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  app.setErrorHandler((error, request, reply) => sendProficientError(error, request, reply));
  app.setNotFoundHandler((request, reply) => sendProficientError(new NotFoundError('route'), request, reply));
  await app.register(proficientUserRoutes, { services: opts.services });
};
