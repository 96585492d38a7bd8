/**
 * A data-subject export (issue 16, item 5): everything Userplane holds about one user in one
 * document, for answering an access request. The export is itself recorded as a `user.exported`
 * event, written first in the same transaction so the document lists its own audit entry.
 */
import type { User } from '../domain/user.ts';
import type { Identity, Store, StoreQueries, UserEvent } from '../store/contract.ts';
import type { DeliveryWithAttempts } from '../store/webhook-contract.ts';
import type { Clock, RequestContext } from './context.ts';
import { lockUser, publicUser } from './stored-user.ts';
import { appendUserEvent } from './user-events.ts';

export interface UserExport {
  exported_at: string;
  user: User;
  /** Whether a password is set and of which hash family; never the hash. */
  password: { set: boolean; hash_type: string | null };
  identities: Identity[];
  /** The user's whole history, oldest first, the export's own event last. */
  events: UserEvent[];
  /** Every webhook delivery of those events, with its attempts. */
  webhook_deliveries: DeliveryWithAttempts[];
}

const HISTORY_PAGE = 500;

/** The user's events oldest first, read in pages so no single query is unbounded. */
async function wholeHistory(tx: StoreQueries, ctx: RequestContext, userId: string): Promise<UserEvent[]> {
  const newestFirst: UserEvent[] = [];
  let before: string | undefined;
  for (;;) {
    // The snapshots are for webhook payloads: the export's history shows the changes.
    const page = await tx.events.listForUser(ctx.environment, userId, { before, limit: HISTORY_PAGE, snapshots: false });
    newestFirst.push(...page.items);
    if (!page.hasMore || page.items.length === 0) break;
    before = page.items.at(-1)!.id;
  }
  return newestFirst.reverse();
}

export function createSubjectExportService(store: Store, clock: Clock) {
  return {
    async exportUser(ctx: RequestContext, userId: string): Promise<UserExport> {
      return store.transaction(async (tx) => {
        // Locked: the document shows one moment, with no write between its parts.
        const stored = await lockUser(tx, ctx, userId);
        const user = publicUser(stored);
        const at = clock().toISOString();
        await appendUserEvent(tx, ctx, { type: 'user.exported', userId, changes: {}, at, snapshot: user });
        return {
          exported_at: at,
          user,
          password: { set: stored.password_hash !== null, hash_type: stored.password_hash_type },
          identities: await tx.identities.listForUser(ctx.environment, userId),
          events: await wholeHistory(tx, ctx, userId),
          webhook_deliveries: await tx.subjects.deliveriesAbout(ctx.environment, userId),
        };
      });
    },
  };
}
