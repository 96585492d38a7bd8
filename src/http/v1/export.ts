/**
 * GET /v1/users/export (issue 15, item 4): every user of the environment as NDJSON, one user per
 * line in creation order, streamed as the service pages through the store (constant memory). The
 * last line is a trailer ({"object":"export",…}) so that a client can tell a complete export from
 * a cut one. `userplane import --from userplane` reads this very format back.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { canonicalUser } from '../../formats/canonical-user.ts';
import type { ExportedUser } from '../../services/export-service.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { v1Errors } from './schemas.ts';

const ExportQuery = Type.Object(
  {
    include_password_hashes: Type.Optional(
      Type.Boolean({ default: false, description: 'Add each password_hash and password_hash_type exactly as stored (an audited export)' }),
    ),
  },
  { additionalProperties: false },
);

/** One line of the export: the canonical user, its identities, and (only when asked for) its hash. */
export function exportLine({ user, identities, password }: ExportedUser): string {
  const line = {
    ...canonicalUser(user),
    identities: identities.map(({ id, provider, provider_user_id, email, created_at }) => ({ id, provider, provider_user_id, email, created_at })),
    ...(password ? { password_hash: password.hash, password_hash_type: password.type } : {}),
  };
  return `${JSON.stringify(line)}\n`;
}

export const exportRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/users/export',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['users'],
        operationId: 'users_export',
        security: [{ bearer: [] }],
        summary: 'Export every user of the environment as NDJSON',
        description:
          'Content type application/x-ndjson: one user per line in creation order (the user as GET /v1/users/{id} shows it, plus ' +
          '`identities`), then one trailer line `{"object":"export","users":N,"password_hashes":bool}` (no trailer: the export was cut). ' +
          'With include_password_hashes=true each line that has a password carries password_hash and password_hash_type exactly as ' +
          'stored. Every export is recorded as a users.exported event (subject "environment"). `userplane export` wraps it; ' +
          '`userplane import --from userplane` reads it back.',
        querystring: ExportQuery,
        response: {
          200: {
            description: 'One user per line, then the trailer line',
            content: { 'application/x-ndjson': { schema: Type.Object({ object: Type.String() }, { additionalProperties: true }) } },
          },
          ...v1Errors(400),
        },
      },
    },
    async (request, reply) => {
      const includePasswordHashes = request.query.include_password_hashes === true;
      const users = services.exports.users(contextOf(request, 'v1'), { includePasswordHashes });
      // The audit event is written before the first byte: a failure there is still an ordinary error answer.
      const first = await users.next();
      async function* lines() {
        let count = 0;
        for (let next = first; !next.done; next = await users.next()) {
          count += 1;
          yield exportLine(next.value);
        }
        yield `${JSON.stringify({ object: 'export', users: count, password_hashes: includePasswordHashes })}\n`;
      }
      return reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(Readable.from(lines()) as never);
    },
  );
};
