import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../domain/errors.ts';
import type { Services } from '../../services/index.ts';
import { sendKlaimError } from './error-codec.ts';
import { klaimUserRoutes } from './users.ts';

/** The Klaim-compatible door (seed 002), mounted at /klaim: point a Klaim client's base URL here. */
export const klaimDoor: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  app.setErrorHandler((error, request, reply) => sendKlaimError(error, request, reply));
  app.setNotFoundHandler((request, reply) => sendKlaimError(new NotFoundError('route'), request, reply));
  await app.register(klaimUserRoutes, { services: opts.services });
};
