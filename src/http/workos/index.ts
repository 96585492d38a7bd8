import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';

/** Placeholder: the workos door is being built. */
export const workosDoor: FastifyPluginAsync<{ services: Services }> = async () => {};
