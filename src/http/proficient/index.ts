import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';

/** Placeholder: the proficient door is being built. */
export const proficientDoor: FastifyPluginAsync<{ services: Services }> = async () => {};
