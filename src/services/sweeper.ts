/**
 * Periodic clean-ups: rows only ever ignored once old (idempotency records past their 24 hours,
 * verification codes long expired, send counts past their hour) are deleted in small batches,
 * each one short statement, with a turn of the event loop between batches, so a sweep over a
 * large backlog never holds the loop or SQLite's write lock for more than a few milliseconds.
 * The first sweep runs a few seconds after start, then every interval. Retention (issue 16) adds
 * its jobs (retentionSweepJobs).
 */
import type { Store } from '../store/contract.ts';
import type { Clock } from './context.ts';

export interface SweepJob {
  name: string;
  /** Deletes at most `size` rows that are due at `now`; returns how many it deleted. */
  batch(now: Date, size: number): Promise<number>;
}

export interface SweeperOptions {
  /** Delay of the first sweep after start. */
  firstDelayMs?: number;
  intervalMs?: number;
  batchSize?: number;
  clock?: Clock;
  log?: (error: unknown, message: string) => void;
}

export const SWEEP_DEFAULTS = { firstDelayMs: 3_000, intervalMs: 3_600_000, batchSize: 500 };

/** An expired code is kept a day, so that using it still says "expired" rather than "missing". */
const EXPIRED_CODE_KEPT_MS = 24 * 3_600_000;
const SENDS_COUNTED_MS = 3_600_000;

/** The clean-ups of what the core writes; `idempotencyTtlMs` is how long Idempotency-Key records count. */
export function coreSweepJobs(store: Store, idempotencyTtlMs: number): SweepJob[] {
  const before = (now: Date, ms: number) => new Date(now.getTime() - ms).toISOString();
  return [
    { name: 'idempotency_keys', batch: (now, size) => store.idempotency.purgeBatch(before(now, idempotencyTtlMs), size) },
    { name: 'email_verifications', batch: (now, size) => store.verifications.purgeExpiredBatch(before(now, EXPIRED_CODE_KEPT_MS), size) },
    { name: 'email_verification_sends', batch: (now, size) => store.verifications.purgeSendsBatch(before(now, SENDS_COUNTED_MS), size) },
  ];
}

const DAY_MS = 24 * 3_600_000;

/**
 * Retention (issue 16, item 2): events and finished webhook deliveries (with their attempts) older
 * than their periods, in days; 0 keeps them for ever. An event still owed to an endpoint stays.
 */
export function retentionSweepJobs(store: Store, retention: { eventRetentionDays: number; deliveryRetentionDays: number }): SweepJob[] {
  const before = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const jobs: SweepJob[] = [];
  // Deliveries first: an event whose old delivery goes may then go in the same sweep.
  if (retention.deliveryRetentionDays > 0) {
    jobs.push({ name: 'webhook_deliveries', batch: (now, size) => store.retention.pruneDeliveriesBatch(before(now, retention.deliveryRetentionDays), size) });
  }
  if (retention.eventRetentionDays > 0) {
    jobs.push({ name: 'user_events', batch: (now, size) => store.retention.pruneEventsBatch(before(now, retention.eventRetentionDays), size) });
  }
  return jobs;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One sweep: every job, batch after batch until a batch comes back short. Returns each job's batch counts. */
export async function sweepOnce(jobs: readonly SweepJob[], options: { batchSize?: number; now?: Date; stopped?: () => boolean } = {}): Promise<Record<string, number[]>> {
  const size = options.batchSize ?? SWEEP_DEFAULTS.batchSize;
  const now = options.now ?? new Date();
  const counts: Record<string, number[]> = {};
  for (const job of jobs) {
    const batches: number[] = (counts[job.name] = []);
    for (;;) {
      if (options.stopped?.()) return counts;
      const deleted = await job.batch(now, size);
      batches.push(deleted);
      if (deleted < size) break;
      await nextTurn();
    }
  }
  return counts;
}

export interface Sweeper {
  /** Resolves after the first sweep has finished. */
  readonly firstSweep: Promise<void>;
  stop(): Promise<void>;
}

export function startSweeper(jobs: readonly SweepJob[], options: SweeperOptions = {}): Sweeper {
  const { firstDelayMs, intervalMs, batchSize } = { ...SWEEP_DEFAULTS, ...options };
  const clock = options.clock ?? (() => new Date());
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let markFirst: () => void = () => {};
  const firstSweep = new Promise<void>((resolve) => (markFirst = resolve));
  const run = () => {
    running = sweepOnce(jobs, { batchSize, now: clock(), stopped: () => stopped })
      .then(
        () => {},
        (error: unknown) => options.log?.(error, 'a clean-up sweep failed; the next one tries again'),
      )
      .finally(markFirst);
    return running;
  };
  let interval: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    void run().then(() => {
      if (stopped) return;
      interval = setInterval(() => void run(), intervalMs);
      interval.unref();
    });
  }, firstDelayMs);
  first.unref();
  return {
    firstSweep,
    async stop() {
      stopped = true;
      clearTimeout(first);
      if (interval) clearInterval(interval);
      await running;
    },
  };
}
