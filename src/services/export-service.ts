/**
 * The export (issue 15, item 4): every user of the environment in creation order, with identities,
 * and password hashes exactly as stored only when asked for. Keyset pages underneath, so memory
 * stays flat however many users there are; each export is recorded in the audit log.
 */
import { newId } from '../domain/ids.ts';
import type { User } from '../domain/user.ts';
import type { Identity, Store } from '../store/contract.ts';
import type { Clock, RequestContext } from './context.ts';
import { publicUser } from './stored-user.ts';

/** Users read per query: big enough to amortise the round trip, small enough to keep memory flat. */
const EXPORT_PAGE = 500;

/**
 * The subject of environment-wide events: user_events.user_id holds an event's SUBJECT id (shared
 * decision, EVENTS-NOTE), and an export concerns the whole environment.
 */
export const ENVIRONMENT_SUBJECT = 'environment';

export interface ExportedUser {
  user: User;
  identities: Identity[];
  /** Only when the export includes hashes, and the user has one. */
  password?: { hash: string; type: string };
}

export function createExportService(store: Store, clock: Clock) {
  return {
    /**
     * Records the export (users.exported, subject `environment`) and then yields every user. The
     * event comes first: an export that was started is what an auditor must see, finished or not.
     */
    async *users(ctx: RequestContext, options: { includePasswordHashes: boolean }): AsyncGenerator<ExportedUser> {
      const at = clock().toISOString();
      await store.transaction((tx) =>
        tx.events.append({
          id: newId('evt'),
          environment: ctx.environment,
          user_id: ENVIRONMENT_SUBJECT,
          type: 'users.exported',
          actor: ctx.actor,
          request_id: ctx.requestId,
          door: ctx.door,
          changes: { password_hashes: { previous: null, current: options.includePasswordHashes ? 'included' : 'omitted' } },
          created_at: at,
        }),
      );
      let after: string | undefined;
      for (;;) {
        const page = await store.users.list(ctx.environment, {}, { limit: EXPORT_PAGE, after });
        const identities = await store.identities.listForUsers(ctx.environment, page.items.map((u) => u.id));
        const byUser = new Map<string, Identity[]>();
        for (const identity of identities) byUser.set(identity.user_id, [...(byUser.get(identity.user_id) ?? []), identity]);
        for (const stored of page.items) {
          const password =
            options.includePasswordHashes && stored.password_hash !== null && stored.password_hash_type !== null
              ? { hash: stored.password_hash, type: stored.password_hash_type }
              : undefined;
          yield { user: publicUser(stored), identities: byUser.get(stored.id) ?? [], ...(password ? { password } : {}) };
        }
        if (!page.hasMore || page.items.length === 0) return;
        after = page.items.at(-1)!.id;
      }
    },
  };
}

export type ExportService = ReturnType<typeof createExportService>;
