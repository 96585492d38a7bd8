/** GET /v1/users/{id}/export: everything Userplane holds about one user, for a data-subject access request (issue 16, item 5). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { canonicalUser } from '../../formats/canonical-user.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { JsonObjectSchema, Nullable } from '../schemas.ts';
import { IdentitySchema, identityWire } from './identities.ts';
import { EventSchema, UserIdParams, UserSchema, v1Errors } from './schemas.ts';
import { eventWire } from './users.ts';
import { deliveryWire } from './webhook-endpoints.ts';
import { DeliverySchema } from './webhook-schemas.ts';

export const UserExportSchema = Type.Object({
  object: Type.Literal('user_export'),
  exported_at: Type.String({ format: 'date-time', description: 'When the export was made: the time of its user.exported event' }),
  user: UserSchema,
  extensions: Type.Record(Type.String(), JsonObjectSchema, { description: "Data other doors keep about the user with no canonical field (e.g. Klaim's credit_balance), by door" }),
  password: Type.Object({
    set: Type.Boolean(),
    hash_type: Nullable(Type.String({ description: 'The hash family of the stored password (e.g. argon2id, bcrypt); the hash itself is never shown' })),
  }),
  pending_email: Nullable(Type.String({ description: 'A new address waiting for its verification code' })),
  identities: Type.Array(IdentitySchema),
  events: Type.Array(EventSchema, { description: "The user's whole history, oldest first; this export's user.exported event is the last" }),
  webhook_deliveries: Type.Array(DeliverySchema, { description: 'Every delivery of those events to a webhook endpoint, with its attempts, in event order' }),
});

export const subjectExportRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/users/:id/export',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['users'],
        operationId: 'users_export_subject',
        security: [{ bearer: [] }],
        summary: 'Everything held about one user (a data-subject export)',
        description:
          'Profile, per-door extensions, whether a password is set, pending email, identities, the full event history and the webhook ' +
          'deliveries of those events, in one JSON document, for answering an access request. Making an export is recorded as a ' +
          'user.exported event (in the user history and the event feed; never sent to webhooks). Admin scope.',
        params: UserIdParams,
        response: { 200: UserExportSchema, ...v1Errors(404) },
      },
    },
    async (request) => {
      const exported = await services.subjectExports.exportUser(contextOf(request, 'v1'), request.params.id);
      return {
        object: 'user_export' as const,
        exported_at: exported.exported_at,
        user: canonicalUser(exported.user),
        extensions: exported.user.extensions,
        password: exported.password,
        pending_email: exported.user.pending_email,
        identities: exported.identities.map(identityWire),
        events: exported.events.map(eventWire),
        webhook_deliveries: exported.webhook_deliveries.map(deliveryWire),
      };
    },
  );
};
