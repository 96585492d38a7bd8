/**
 * GET /events: WorkOS's Events API over Userplane's event feed (issue 16, item 4), so that
 * `workos.events.listEvents()` of the official SDK syncs from Userplane unchanged. Oldest first;
 * list_metadata.after is the last listed event (or the request's own `after` on an empty page),
 * to poll again with. The feed's order guarantee holds here too (src/store/feed-queries.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ValidationError } from '../../domain/errors.ts';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks.ts';
import { toCanonicalEventId, toWorkosEventId, workosEvent } from '../../formats/workos-event.ts';
import type { User } from '../../domain/user.ts';
import { toWorkosUserId } from '../../formats/workos-user.ts';
import type { Services } from '../../services/index.ts';
import type { UserEvent } from '../../store/contract.ts';
import { contextOf } from '../auth.ts';
import { Nullable } from '../schemas.ts';
import { workosErrors, WorkosUserSchema } from './schemas.ts';

// The events WorkOS defines that Userplane records. Others (the export's user.exported, group
// events) have no WorkOS shape the SDK could read, so this door neither lists nor accepts them.
const WORKOS_EVENTS: readonly string[] = WEBHOOK_EVENT_TYPES.filter((type) => type.startsWith('user.'));

const names = (description: string) => Type.Optional(Type.Array(Type.String(), { description }));

export const ListEventsQuery = Type.Object(
  {
    events: names(`Event types, repeated or comma-separated: ${WORKOS_EVENTS.join(', ')}. None: all of them.`),
    'events[]': names('The same, in the bracketed spelling'),
    after: Type.Optional(Type.String({ description: 'An event id (event_…): the events after it. list_metadata.after of the previous page.' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    range_start: Type.Optional(Type.String({ format: 'date-time', description: 'Only events created at or after this time' })),
    range_end: Type.Optional(Type.String({ format: 'date-time', description: 'Only events created before this time' })),
    order: Type.Optional(Type.String({ description: 'asc (oldest first) is the only order: a feed is read forwards' })),
    organization_id: Type.Optional(Type.String({ description: 'Userplane has no organizations: any value gives an empty list' })),
  },
  { additionalProperties: false },
);

const WorkosEventSchema = Type.Object({
  object: Type.Literal('event'),
  id: Type.String({ description: 'event_ followed by an upper-case ULID (evt_ + the lower-case ULID on /v1)' }),
  event: Type.String({ description: WORKOS_EVENTS.join(', ') }),
  data: WorkosUserSchema,
  created_at: Type.String({ format: 'date-time' }),
});

const EventListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(WorkosEventSchema),
  list_metadata: Type.Object({ after: Nullable(Type.String({ description: 'Pass as `after` to continue (also on the last page, to poll later)' })) }),
});

function requestedEvents(lists: Array<string[] | undefined>): string[] {
  const requested = lists.flatMap((list) => list ?? []).flatMap((item) => item.split(',')).map((name) => name.trim()).filter((name) => name !== '');
  const unknown = requested.filter((name) => !WORKOS_EVENTS.includes(name));
  if (unknown.length > 0) {
    throw ValidationError.field('events', `Userplane records none of: ${unknown.join(', ')}. Its WorkOS Events API lists ${WORKOS_EVENTS.join(', ')}; remove the others`);
  }
  return requested.length > 0 ? [...new Set(requested)] : [...WORKOS_EVENTS];
}

/**
 * The WorkOS event of a stored one. An event kept without the user's state (written before
 * webhooks existed, or erased) still carries a User object the SDK can read: the id, nothing else.
 */
function wireEvent(event: UserEvent) {
  const shown = workosEvent({ ...event, snapshot: event.snapshot as User | null });
  const data = shown.data && !('redacted' in shown.data) ? shown.data : {
    object: 'user' as const,
    id: toWorkosUserId(event.user_id),
    email: null,
    email_verified: false,
    first_name: null,
    last_name: null,
    name: null,
    profile_picture_url: null,
    last_sign_in_at: null,
    locale: null,
    external_id: null,
    metadata: {},
    created_at: event.created_at,
    updated_at: event.created_at,
  };
  return { object: 'event' as const, ...shown, data };
}

const iso = (text: string | undefined) => (text === undefined ? undefined : new Date(text).toISOString());

export const workosEventRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['workos'],
        operationId: 'workos_events_list',
        security: [{ bearer: [] }],
        summary: 'List events (WorkOS listEvents)',
        description:
          "The environment's user events oldest first, as WorkOS's Events API shows them. Keep passing list_metadata.after back as `after`; " +
          'it is given on the last page too. An event is listed once no transaction older than it is still running, so a follower never misses one.',
        querystring: ListEventsQuery,
        response: { 200: EventListSchema, ...workosErrors() },
      },
    },
    async (request) => {
      const { events, 'events[]': bracketed, after, limit, range_start, range_end, order, organization_id } = request.query;
      const types = requestedEvents([events, bracketed]);
      if (order !== undefined && order !== 'asc') throw ValidationError.field('order', 'Only asc: the feed is read oldest first; leave order out');
      const eventId = after === undefined ? undefined : toCanonicalEventId(after);
      if (after !== undefined && eventId === null) throw ValidationError.field('after', 'Must be an event id (event_…) from list_metadata.after or a listed event');
      if (organization_id !== undefined) return { object: 'list' as const, data: [], list_metadata: { after: after ?? null } };
      const page = await services.feed.list(contextOf(request, 'workos'), {
        after: eventId ? { eventId, field: 'after' } : undefined,
        types,
        since: iso(range_start),
        until: iso(range_end),
        limit,
        currentStateWhenNotKept: true,
      });
      const last = page.items.at(-1)?.event.id;
      return {
        object: 'list' as const,
        data: page.items.map(({ event }) => wireEvent(event)),
        list_metadata: { after: last ? toWorkosEventId(last) : (after ?? null) },
      };
    },
  );
};
