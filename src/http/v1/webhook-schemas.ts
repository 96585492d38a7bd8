/** Wire schemas of /v1/webhook_endpoints. */
import { Type } from 'typebox';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_FORMATS } from '../../domain/webhooks.ts';
import { Nullable, StringEnum, named } from '../schemas.ts';
import { cursorFields } from './cursors.ts';

const dateTime = (description: string) => Type.String({ format: 'date-time', description });
const EventType = StringEnum(WEBHOOK_EVENT_TYPES);

export const WebhookEndpointSchema = named('WebhookEndpoint', Type.Object({
  id: Type.String({ description: 'whe_ followed by a lower-case ULID' }),
  object: Type.Literal('webhook_endpoint'),
  url: Type.String(),
  description: Nullable(Type.String()),
  event_types: Type.Array(EventType, { description: 'The event types sent; empty means all' }),
  format: StringEnum(WEBHOOK_FORMATS, { description: 'standard: Userplane events signed per Standard Webhooks; workos: WorkOS events and WorkOS-Signature' }),
  enabled: Type.Boolean(),
  include_imports: Type.Boolean({ description: 'false: events of users written by an import (userplane import) are not sent here' }),
  status: StringEnum(['healthy', 'failing'], { description: 'failing once a delivery ran out of retries, until one succeeds again' }),
  failure_reason: Nullable(Type.String({ description: 'The last error of the delivery that ran out of retries' })),
  failing_since: Nullable(dateTime('ISO 8601 UTC')),
  previous_secret_expires_at: Nullable(dateTime('Until then the secret before the last rotation also signs')),
  created_at: dateTime('ISO 8601 UTC'),
  updated_at: dateTime('ISO 8601 UTC'),
}));

export const EndpointWithSecretSchema = named('WebhookEndpointWithSecret', Type.Object({
  ...WebhookEndpointSchema.properties,
  secret: Type.String({ description: 'The signing secret (whsec_…). Shown only in this response; store it now.' }),
}));

const writable = {
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'http or https URL that receives POSTs; a public address, no credentials' }),
  description: Nullable(Type.String({ maxLength: 256 })),
  event_types: Type.Array(EventType, { uniqueItems: true, description: `Any of ${WEBHOOK_EVENT_TYPES.join(', ')}; empty or omitted: all` }),
  enabled: Type.Boolean({ description: 'false pauses deliveries; events meanwhile are not queued for this endpoint' }),
  include_imports: Type.Boolean({
    description:
      'true (default): events caused by an import (batches sent with Userplane-Import: 1, as userplane import does) are delivered, ' +
      'after every due live event of this endpoint; false: they are not queued for it',
  }),
};

export const CreateEndpointBody = named('WebhookEndpointCreate', Type.Object(
  {
    url: writable.url,
    description: Type.Optional(writable.description),
    event_types: Type.Optional(writable.event_types),
    enabled: Type.Optional(writable.enabled),
    include_imports: Type.Optional(writable.include_imports),
    format: Type.Optional(StringEnum(WEBHOOK_FORMATS, { description: 'standard (default) or workos; fixed once created' })),
  },
  { additionalProperties: false },
));

export const UpdateEndpointBody = named('WebhookEndpointPatch', Type.Partial(Type.Object(writable), { additionalProperties: false }));

export const EndpointParams = Type.Object({ id: Type.String({ description: 'The endpoint id (whe_…)' }) });
export const DeliveryParams = Type.Object({ id: Type.String(), delivery_id: Type.String({ description: 'The delivery id (whd_…)' }) });

export const DeliveriesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    ...cursorFields('deliveries'),
    status: Type.Optional(StringEnum(['pending', 'succeeded', 'failed'])),
  },
  { additionalProperties: false },
);

const AttemptSchema = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  succeeded: Type.Boolean(),
  status_code: Nullable(Type.Integer({ description: "The receiver's HTTP status; null on a timeout or connection error" })),
  latency_ms: Type.Integer(),
  error: Nullable(Type.String({ description: 'What went wrong: "HTTP 500: …", "Timed out after 10000 ms", "Connection failed: ECONNREFUSED …", "Refused: Host … resolves to a private address …"' })),
  attempted_at: dateTime('ISO 8601 UTC'),
});

export const DeliverySchema = named('WebhookDelivery', Type.Object({
  id: Type.String({ description: 'Also the webhook-id header: the same on every attempt' }),
  object: Type.Literal('webhook_delivery'),
  endpoint_id: Type.String(),
  event_id: Type.String(),
  event_type: EventType,
  user_id: Type.String(),
  status: StringEnum(['pending', 'succeeded', 'failed']),
  attempt_count: Type.Integer(),
  next_attempt_at: Nullable(dateTime('When the next attempt is due; null once succeeded or failed')),
  attempts: Type.Array(AttemptSchema, { description: 'Oldest first' }),
  created_at: dateTime('ISO 8601 UTC'),
  updated_at: dateTime('ISO 8601 UTC'),
}));
