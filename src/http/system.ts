/** Health, readiness and the API description. Public: no credential needed. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../services/index.ts';

const tags = ['system'];

/** What /readyz says about a database that is not ready; the full cause goes to the log only. */
function databaseProblem(error: unknown): string {
  switch ((error as { code?: unknown } | null)?.code) {
    case '3D000':
      return 'database does not exist';
    case 'USERPLANE_NO_SCHEMA':
      return 'database has no Userplane schema (run userplane migrate)';
    case 'USERPLANE_OLD_SCHEMA':
      return 'database schema is out of date (run userplane migrate)';
    case 'USERPLANE_STORAGE_FULL':
      return 'database storage is full';
    default:
      return 'database unreachable';
  }
}

export const systemRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/healthz',
    { schema: { tags, security: [], operationId: 'system_health', summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  // Registered after the rate-limit plugin, which sets redisPing when limits are shared through Redis.
  const redisPing = app.redisPing ?? null;
  const Redis = Type.Union([Type.Literal('ok'), Type.Literal('degraded')], {
    description: 'degraded: Redis does not answer, so rate limits are not enforced (fail open) until it does; requests are still served',
  });
  app.get(
    '/readyz',
    {
      schema: {
        tags,
        security: [],
        operationId: 'system_ready',
        summary: 'Requests can be served',
        description:
          'Ready while requests can be served: the database answers, has this version\'s schema and is not failing writes for lack of space. ' +
          'Redis (shared rate limits) being down does not make the service unready: it is reported as "degraded".',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.String(), redis: Type.Optional(Redis) }),
          503: Type.Object({ status: Type.Literal('unavailable'), database: Type.String(), redis: Type.Optional(Redis), error: Type.String() }),
        },
      },
    },
    async (request, reply) => {
      const [databaseError, redisUp] = await Promise.all([
        services.store.readiness().then(
          () => null,
          (error: unknown) => error ?? new Error('unknown'),
        ),
        redisPing
          ? redisPing().then(
              () => true,
              (error: unknown) => {
                request.log.warn({ err: error }, 'readiness: Redis does not answer; rate limits fail open');
                return false;
              },
            )
          : null,
      ]);
      const database = services.store.capabilities.name;
      const redis = redisUp === null ? {} : { redis: redisUp ? ('ok' as const) : ('degraded' as const) };
      if (!databaseError) return { status: 'ready' as const, database, ...redis };
      request.log.error({ err: databaseError }, `not ready: ${databaseProblem(databaseError)}`);
      return reply.code(503).send({ status: 'unavailable' as const, database, ...redis, error: databaseProblem(databaseError) });
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
