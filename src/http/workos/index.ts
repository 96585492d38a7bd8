import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';
import { workos } from './door.ts';
import { workosUserRoutes } from './users.ts';
import { workosEmailVerificationRoutes } from './email-verification.ts';
import { workosIdentityRoutes } from './identities.ts';
import { workosEventRoutes } from './events.ts';

/**
 * The WorkOS-compatible door (seed 003, contract `workos-users-api.md`). The SDK drops any path
 * prefix, so it is registered at the root and serves WorkOS's own paths; its error and not-found
 * handlers live in the /user_management child so that other doors' 404s stay their own.
 */
export const workosDoor: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  await app.register(
    async (door) => {
      workos.install(door);
      await door.register(workosUserRoutes, { services: opts.services });
      await door.register(workosIdentityRoutes, { services: opts.services });
      await door.register(workosEmailVerificationRoutes, { services: opts.services });
    },
    { prefix: '/user_management' },
  );
  // WorkOS's Events API lives at the root (/events), in a child of its own for the door's error handlers.
  await app.register(
    async (door) => {
      workos.install(door);
      await door.register(workosEventRoutes, { services: opts.services });
    },
    { prefix: '/events' },
  );
};
