/**
 * GET /v1/events: the environment's events as a pull feed (issue 16, item 4), oldest first, for
 * applications that sync without webhooks. The cursor is opaque (a feed position, not an event
 * id), is given on every page including the last, and survives its event being pruned.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ValidationError } from '../../domain/errors.ts';
import { EVENT_TYPES } from '../../domain/event-types.ts';
import type { FeedRequest } from '../../services/event-feed.ts';
import type { Services } from '../../services/index.ts';
import type { FeedPosition, UserEvent } from '../../store/contract.ts';
import { contextOf } from '../auth.ts';
import { Nullable } from '../schemas.ts';
import { EventSchema, v1Errors } from './schemas.ts';
import { eventWire } from './users.ts';

const tags = ['events'];
const security = [{ bearer: [] }];

const CURSOR = /^(\d{1,20})\.(\d{1,19})$/;

/** The opaque cursor of a feed position. */
export function feedCursor(position: FeedPosition): string {
  return Buffer.from(`${position.xid}.${position.seq}`).toString('base64url');
}

/** Where `after` says to continue: a cursor this feed gave, or an event id; else a 400 naming it. */
export function readFeedAfter(after: string | undefined): FeedRequest['after'] {
  if (after === undefined) return undefined;
  if (/^evt_[0-9a-z]{26}$/.test(after)) return { eventId: after, field: 'after' };
  const match = /^[A-Za-z0-9_-]{1,60}$/.test(after) ? CURSOR.exec(Buffer.from(after, 'base64url').toString('latin1')) : null;
  if (!match) throw ValidationError.field('after', 'Is not a cursor of the event feed: pass next_cursor from a page of GET /v1/events, or an event id (evt_…)');
  return { position: { xid: match[1]!, seq: Number(match[2]) } };
}

/** The `types` filter: comma-separated event types, each one Userplane records. */
export function readFeedTypes(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const types = text.split(',').map((type) => type.trim()).filter((type) => type !== '');
  const unknown = types.filter((type) => !EVENT_TYPES.includes(type));
  if (unknown.length > 0) throw ValidationError.field('types', `Unknown event type: ${unknown.join(', ')}; use a comma-separated list of ${EVENT_TYPES.join(', ')}`);
  return types.length > 0 ? types : undefined;
}

/**
 * An event's subject under the field that names its kind: user_id for users (usr_…), group_id for
 * groups (grp_…), and `subject` for anything else (e.g. `environment` for environment-wide events).
 * UserEvent.user_id is the subject id whatever its kind (the events table's shared convention).
 */
export function subjectFields(subject: string): { user_id?: string; group_id?: string; subject?: string } {
  if (subject.startsWith('usr_')) return { user_id: subject };
  if (subject.startsWith('grp_')) return { group_id: subject };
  return { subject };
}

/** A feed event: the per-user event wire, with its subject in the field of its kind. */
export function feedEventWire(event: UserEvent) {
  const { user_id: subject, ...rest } = eventWire(event);
  return { ...rest, ...subjectFields(subject) };
}

const { user_id: _userId, type: _type, ...eventFields } = EventSchema.properties;

export const FeedEventSchema = Type.Object({
  ...eventFields,
  type: Type.String({ description: `The event type: ${EVENT_TYPES.join(', ')}` }),
  user_id: Type.Optional(Type.String({ description: 'The user the event is about (usr_…), on user events' })),
  group_id: Type.Optional(Type.String({ description: 'The group the event is about (grp_…), on group events' })),
  subject: Type.Optional(Type.String({ description: 'What the event is about when it is neither a user nor a group, e.g. `environment`' })),
});

export const FeedQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({ description: 'Continue after this: next_cursor of the previous page (kept across restarts), or an event id (evt_…). None: from the oldest event.' }),
    ),
    types: Type.Optional(Type.String({ description: `Only these types, comma-separated: ${EVENT_TYPES.join(', ')}` })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 100 }),
  },
  { additionalProperties: false },
);

export const eventFeedRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/events',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        operationId: 'events_list',
        security,
        summary: "The environment's events, oldest first (a pull feed)",
        description:
          'Sync without webhooks: read with no cursor, then keep passing next_cursor back as `after`. Unlike other lists, ' +
          'next_cursor is given on the last page too (has_more false): store it and poll again later. A follower never ' +
          'misses an event, even one whose transaction committed after later-numbered ones (on PostgreSQL an event is ' +
          'listed once no older transaction is still running). Events of every subject are listed: user_id, group_id or subject says which.',
        querystring: FeedQuery,
        response: {
          200: Type.Object({
            object: Type.Literal('list'),
            data: Type.Array(FeedEventSchema),
            has_more: Type.Boolean({ description: 'More events can be read now; false: poll again later with next_cursor' }),
            next_cursor: Nullable(Type.String({ description: 'Pass as `after`; null only while the feed has no event at all' })),
          }),
          ...v1Errors(400),
        },
      },
    },
    async (request) => {
      const { after, types, limit } = request.query;
      const page = await services.feed.list(contextOf(request, 'v1'), { after: readFeedAfter(after), types: readFeedTypes(types), limit });
      return {
        object: 'list' as const,
        data: page.items.map(({ event }) => feedEventWire(event)),
        has_more: page.hasMore,
        next_cursor: page.next ? feedCursor(page.next) : null,
      };
    },
  );
};
