import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';

/** Placeholder: the klaim door is being built. */
export const klaimDoor: FastifyPluginAsync<{ services: Services }> = async () => {};
