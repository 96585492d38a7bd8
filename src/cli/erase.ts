/** `userplane erase --deleted-before DATE`: erase the history of users deleted before erasure existed. */
import type { Config } from '../config.ts';
import { eraseDeletedBefore } from '../services/erasure-service.ts';
import { openDatabase } from './database.ts';
import { CommandError } from './failure.ts';

export interface EraseOptions {
  deletedBefore: string;
}

/** A date (2026-12-01, midnight UTC) or a full ISO 8601 time with its zone. */
export function parseCutoff(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) return null;
  const date = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(date.getTime()) ? null : date;
}

export async function eraseCommand(config: Config, options: EraseOptions): Promise<number> {
  const before = parseCutoff(options.deletedBefore);
  if (!before) throw new CommandError(`erase: --deleted-before must be a date such as 2026-12-01 or a time such as 2026-12-01T12:00:00Z, got "${options.deletedBefore}"`, 2);
  if (config.privacy.deletedUserHistory === 'keep') {
    throw new CommandError('erase: USERPLANE_DELETED_USER_HISTORY is "keep", so deleted users keep their history and nothing is erased; set it to "redact" (the default) to erase');
  }
  const store = await openDatabase(config);
  try {
    const totals = await eraseDeletedBefore(store, before);
    const already = totals.users - totals.erased;
    console.log(
      `Users deleted before ${before.toISOString()}: ${totals.users}; erased now: ${totals.erased} (${totals.events} events, ${totals.idempotency} stored responses)${already > 0 ? `; ${already} erased already` : ''}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
