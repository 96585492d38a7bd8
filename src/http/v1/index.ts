import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { batchRoutes } from './batch.ts';
import { credentialRoutes } from './credentials.ts';
import { exportRoutes } from './export.ts';
import { v1 } from './door.ts';
import { eventFeedRoutes } from './event-feed.ts';
import { v1GroupRoutes } from './groups.ts';
import { identityRoutes } from './identities.ts';
import { subjectExportRoutes } from './subject-export.ts';
import { v1UserRoutes } from './users.ts';
import { webhookEndpointRoutes } from './webhook-endpoints.ts';
import { whoamiRoutes } from './whoami.ts';

/** The canonical API, mounted at /v1. */
export const v1Door: FastifyPluginAsync<{ services: Services; batchBodyLimit: number }> = async (app, opts) => {
  v1.install(app);
  await app.register(v1UserRoutes, { services: opts.services });
  await app.register(batchRoutes, { services: opts.services, bodyLimit: opts.batchBodyLimit });
  await app.register(exportRoutes, { services: opts.services });
  await app.register(apiKeyRoutes, { services: opts.services });
  await app.register(whoamiRoutes);
  await app.register(credentialRoutes, { services: opts.services });
  await app.register(identityRoutes, { services: opts.services });
  await app.register(webhookEndpointRoutes, { services: opts.services });
  await app.register(eventFeedRoutes, { services: opts.services });
  await app.register(subjectExportRoutes, { services: opts.services });
  await app.register(v1GroupRoutes, { services: opts.services });
};
