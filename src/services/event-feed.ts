/**
 * The pull feed (issue 16, item 4): the environment's events in the order a follower can rely on
 * (store/feed-queries.ts says why that is not plain seq order on PostgreSQL). Doors turn positions
 * into their own cursors; an event id is also a place to start from.
 */
import { ValidationError } from '../domain/errors.ts';
import type { FeedPosition, FeedEvent, ListPage, Store } from '../store/contract.ts';
import type { RequestContext } from './context.ts';
import { publicUser } from './stored-user.ts';

export interface FeedRequest {
  /** Continue after this position, or after this event (an id of the environment's events). */
  after?: { position: FeedPosition } | { eventId: string; field: string };
  types?: readonly string[];
  /** created_at at or after this ISO time. */
  since?: string;
  /** created_at before this ISO time. */
  until?: string;
  limit: number;
  /**
   * Events keep the user's state only when a webhook endpoint takes them (issue 16, item 3: events
   * are sized by the change). A door whose event objects must carry a whole user (WorkOS's Events
   * API) asks for the kept states, and for the user as it is now in place of a state that was not
   * kept; an erased or deleted user has none. Without it, events come without states.
   */
  currentStateWhenNotKept?: boolean;
}

export interface FeedPage extends ListPage<FeedEvent> {
  /** Where the next read continues: the last listed event, or the request's own start on an empty page. */
  next: FeedPosition | null;
}

export function createEventFeedService(store: Store) {
  async function fillCurrentStates(ctx: RequestContext, items: FeedEvent[]): Promise<void> {
    const missing = new Set(items.filter(({ event }) => event.snapshot === null && event.user_id.startsWith('usr_')).map(({ event }) => event.user_id));
    const current = new Map<string, ReturnType<typeof publicUser>>();
    for (const id of missing) {
      const stored = await store.users.findById(ctx.environment, id);
      if (stored) current.set(id, publicUser(stored));
    }
    for (const item of items) {
      if (item.event.snapshot === null) item.event = { ...item.event, snapshot: current.get(item.event.user_id) ?? null };
    }
  }

  return {
    async list(ctx: RequestContext, request: FeedRequest): Promise<FeedPage> {
      let after: FeedPosition | undefined;
      if (request.after && 'position' in request.after) after = request.after.position;
      else if (request.after) {
        const position = await store.feed.positionOf(ctx.environment, request.after.eventId);
        if (!position) {
          throw ValidationError.field(request.after.field, `No event of this environment has the id ${request.after.eventId}: pass the cursor or event id a feed page gave you`);
        }
        after = position;
      }
      const snapshots = request.currentStateWhenNotKept === true;
      const page = await store.feed.list(ctx.environment, { after, types: request.types, since: request.since, until: request.until, limit: request.limit, snapshots });
      if (request.currentStateWhenNotKept) await fillCurrentStates(ctx, page.items);
      return { ...page, next: page.items.at(-1)?.position ?? after ?? null };
    },
  };
}
