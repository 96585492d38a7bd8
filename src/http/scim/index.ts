/**
 * The SCIM 2.0 door (RFC 7643/7644), mounted at /scim/v2 for Okta, Entra ID and other IdPs.
 * Everything under it: SCIM errors (also for 401 and unknown paths), `application/scim+json` on
 * every response, and the key accepted without "Bearer". A new resource is one more route module
 * registered here (see /work/wt/brief/SCIM-DOOR.md's notes in README "SCIM").
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';
import { scimBulkRoutes } from './bulk.ts';
import { scimDiscoveryRoutes } from './discovery.ts';
import { scim } from './door.ts';
import { scimGroupRoutes } from './groups.ts';
import { scimUserRoutes } from './users.ts';
import { SCIM_CONTENT_TYPE, SCIM_PREFIX } from './wire.ts';

export const scimDoor: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  await app.register(
    async (door) => {
      scim.install(door);
      // IdP admin forms invite pasting the bare key as the header's value.
      door.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), bareKey: true };
      });
      door.addHook('onSend', async (_request, reply, payload) => {
        const type = reply.getHeader('content-type');
        if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', SCIM_CONTENT_TYPE);
        if (reply.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer realm="scim"');
        return payload;
      });
      await door.register(scimDiscoveryRoutes);
      await door.register(scimUserRoutes, { services: opts.services });
      await door.register(scimGroupRoutes, { services: opts.services });
      await door.register(scimBulkRoutes, { services: opts.services });
    },
    { prefix: SCIM_PREFIX },
  );
};
