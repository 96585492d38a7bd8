import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';

/** Placeholder: the stateset door is being built. */
export const statesetDoor: FastifyPluginAsync<{ services: Services }> = async () => {};
