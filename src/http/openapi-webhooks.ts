/** What Userplane POSTs to webhook endpoints (format `standard`), for the OpenAPI document's `webhooks`. */
import { Type } from 'typebox';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhooks.ts';
import { named, Nullable, StringEnum } from './schemas.ts';
import { UserSchema } from './v1/schemas.ts';

/** The body of a `standard` delivery: src/webhooks/standard-format.ts. */
export const WebhookEventSchema = named(
  'WebhookEvent',
  Type.Object({
    id: Type.String({ description: 'The event id (evt_…)' }),
    object: Type.Literal('event'),
    type: StringEnum(WEBHOOK_EVENT_TYPES),
    timestamp: Type.String({ format: 'date-time', description: 'When the change happened, ISO 8601 UTC' }),
    environment: StringEnum(['live', 'test']),
    data: Type.Object({
      object: Type.Union([UserSchema, Type.Null()], { description: "The user after the change; for user.deleted, as it was when deleted" }),
      previous_attributes: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), { description: 'user.updated only: the old value of each changed field; secrets are "[redacted]"' }),
      ),
    }),
    actor: Type.String({ description: 'Id of the API key that made the change' }),
    door: Type.String({ description: 'The API the change came through: v1, workos, proficient, klaim, stateset, cli' }),
    request_id: Nullable(Type.String()),
  }),
);

const signatureHeaders = [
  { name: 'webhook-id', in: 'header', required: true, description: "The delivery's id, the same on every attempt: deduplicate on it", schema: { type: 'string' } },
  { name: 'webhook-timestamp', in: 'header', required: true, description: 'Unix seconds of this attempt', schema: { type: 'string' } },
  {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description: 'Standard Webhooks signature(s), "v1,<base64>", space-separated while two secrets sign during a rotation. verifyWebhook of @userplane/client checks it.',
    schema: { type: 'string' },
  },
];

function delivery(type: (typeof WEBHOOK_EVENT_TYPES)[number], summary: string) {
  return {
    post: {
      operationId: `webhook_${type.replace('.', '_')}`,
      summary,
      description:
        `Sent to every enabled endpoint subscribed to ${type} (format standard). Any 2xx within 10 s counts as delivered; anything else is retried with backoff.`,
      tags: ['webhooks'],
      security: [],
      parameters: signatureHeaders,
      requestBody: { required: true, content: { 'application/json': { schema: WebhookEventSchema } } },
      responses: { '200': { description: 'Delivered (any 2xx)' }, '400': { description: 'Refused (a bad signature, say): the delivery is retried' } },
    },
  };
}

/** The `webhooks` of the document; the finishing pass turns the named schemas into $refs. */
export const WEBHOOK_PAYLOADS = {
  'user.created': delivery('user.created', 'A user was created'),
  'user.updated': delivery('user.updated', 'A user changed (profile, password, email verification, identities)'),
  'user.deleted': delivery('user.deleted', 'A user was deleted'),
};
