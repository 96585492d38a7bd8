/** Health, readiness and the API description. Public: no credential needed. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../services/index.ts';

const tags = ['system'];

export const systemRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/healthz',
    { schema: { tags, summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  // Registered after the rate-limit plugin, which sets redisPing when limits are shared through Redis.
  const redisPing = app.redisPing ?? null;
  const Reachable = Type.Union([Type.Literal('ok'), Type.Literal('unreachable')]);
  app.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'The store answers (and Redis, when rate limits are shared through it)',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.String(), redis: Type.Optional(Reachable) }),
          503: Type.Object({ status: Type.Literal('unavailable'), database: Type.String(), redis: Type.Optional(Reachable), error: Type.String() }),
        },
      },
    },
    async (request, reply) => {
      const check = (work: () => Promise<void>, what: string) =>
        work().then(
          () => true,
          (error: unknown) => {
            request.log.warn({ err: error }, `readiness check failed: ${what}`);
            return false;
          },
        );
      const [databaseUp, redisUp] = await Promise.all([check(() => services.store.ping(), 'database'), redisPing ? check(redisPing, 'redis') : null]);
      const database = services.store.capabilities.name;
      const redis = redisUp === null ? {} : { redis: redisUp ? ('ok' as const) : ('unreachable' as const) };
      if (databaseUp && redisUp !== false) return { status: 'ready' as const, database, ...redis };
      const down = [databaseUp ? null : 'database', redisUp === false ? 'redis' : null].filter(Boolean).join(' and ');
      return reply.code(503).send({ status: 'unavailable' as const, database, ...redis, error: `${down} unreachable` });
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
