/**
 * The pull feed (issue 16, item 4): the environment's events in the order a follower can rely on
 * (store/feed-queries.ts says why that is not plain seq order on PostgreSQL). Doors turn positions
 * into their own cursors; an event id is also a place to start from.
 */
import { ValidationError } from '../domain/errors.ts';
import type { FeedPosition, FeedEvent, ListPage, Store } from '../store/contract.ts';
import type { RequestContext } from './context.ts';

export interface FeedRequest {
  /** Continue after this position, or after this event (an id of the environment's events). */
  after?: { position: FeedPosition } | { eventId: string; field: string };
  types?: readonly string[];
  /** created_at at or after this ISO time. */
  since?: string;
  /** created_at before this ISO time. */
  until?: string;
  limit: number;
}

export interface FeedPage extends ListPage<FeedEvent> {
  /** Where the next read continues: the last listed event, or the request's own start on an empty page. */
  next: FeedPosition | null;
}

export function createEventFeedService(store: Store) {
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
      const page = await store.feed.list(ctx.environment, { after, types: request.types, since: request.since, until: request.until, limit: request.limit });
      return { ...page, next: page.items.at(-1)?.position ?? after ?? null };
    },
  };
}
