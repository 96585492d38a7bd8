/**
 * `userplane erase --deleted-before DATE` (issue 16, item 1): applies the erasure that deletes now
 * make in their own transaction to users deleted before it existed. Those users have no row any
 * more, but their user.deleted event still names them; each is erased in its own short
 * transaction, so a long backlog never holds the database for long.
 */
import type { Store } from '../store/contract.ts';

export interface ErasureTotals {
  /** Deleted users found (user.deleted events before the date whose user has no row). */
  users: number;
  /** Of those, users whose history still held values and was erased now. */
  erased: number;
  events: number;
  idempotency: number;
}

export async function eraseDeletedBefore(store: Store, before: Date, options: { pageSize?: number; onUser?: (totals: ErasureTotals) => void } = {}): Promise<ErasureTotals> {
  const pageSize = options.pageSize ?? 100;
  const totals: ErasureTotals = { users: 0, erased: 0, events: 0, idempotency: 0 };
  let afterSeq = 0;
  for (;;) {
    const page = await store.erasure.deletedUsers(before.toISOString(), pageSize, afterSeq);
    for (const user of page) {
      const result = await store.transaction((tx) => tx.erasure.eraseUserHistory(user.environment, user.user_id));
      totals.users++;
      if (result.events + result.idempotency > 0) totals.erased++;
      totals.events += result.events;
      totals.idempotency += result.idempotency;
      afterSeq = user.seq;
      options.onUser?.(totals);
    }
    if (page.length < pageSize) break;
  }
  if (totals.erased > 0) store.afterErasure();
  return totals;
}
