/**
 * `userplane import`'s engine (issue 15, item 3): reads a format's records lazily, sends them to
 * POST /v1/users/batch in batches (a few in flight), and keeps a checkpoint so that --resume after a
 * crash, Ctrl-C or kill -9 continues with no record lost and none counted or reported twice:
 *
 * - a batch is settled when its answer came and its failures are journaled (synced to disk);
 * - the checkpoint moves past batches only in source order (a later batch that finished first
 *   waits for the ones before it), so everything below it is settled;
 * - on resume, records below the checkpoint are skipped and journal lines at or above it are
 *   dropped: those records are sent again, which the upsert on external_id makes harmless.
 */
import { rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { BatchTooLarge, createBatchClient, type BatchAnswer, type BatchItem, type ClientOptions } from './client.ts';
import {
  checkpointPathFor,
  fileStamp,
  journalPathFor,
  readCheckpoint,
  removeCheckpoint,
  writeCheckpoint,
  type Checkpoint,
  type Counts,
} from './checkpoint.ts';
import { FailureJournal, type FailureLine } from './failures.ts';
import { isUnreadable, type FormatOptions, type ImportFormat, type ImportRecord, type UnreadableRecord } from './format.ts';
import { silentProgress, type Progress } from './progress.ts';

export const MAX_BATCH_SIZE = 1000;

export interface ImportOptions {
  file: string;
  format: ImportFormat;
  formatOptions: FormatOptions;
  url: string;
  key: string;
  dryRun: boolean;
  resume: boolean;
  /** Default: beside the input, `<name>.errors<ext>` (`<name>.dry-run-errors<ext>` for a dry run). */
  errors?: string;
  batchSize?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  progress?: Progress;
  /** Aborting stops sending; batches in flight are settled and checkpointed first (Ctrl-C). */
  signal?: AbortSignal;
  client?: Partial<Pick<ClientOptions, 'maxWaitMs' | 'giveUpAfterMs'>>;
}

export interface ImportSummary extends Counts {
  total: number;
  /** Records settled by an earlier run (skipped on --resume). */
  resumedAt: number;
  dryRun: boolean;
  interrupted: boolean;
  /** Set when some records failed. */
  errorsPath: string | null;
  reasonsPath: string | null;
  checkpointPath: string | null;
  /** Source fields not carried over, and notes, with how many records had each. */
  unmapped: Map<string, number>;
  notes: Map<string, number>;
  seconds: number;
}

/** A usage problem (exit status 2): an unfinished import without --resume, a changed input… */
export class ImportUsageError extends Error {}

export function defaultErrorsPath(file: string, dryRun: boolean): string {
  const extension = extname(file);
  const name = basename(file, extension);
  return join(dirname(file), `${name}.${dryRun ? 'dry-run-errors' : 'errors'}${extension}`);
}

interface Batch {
  records: Array<ImportRecord | UnreadableRecord>;
  /** How many of the records are sendable (not unreadable). */
  sendable: number;
  /** One past the last ordinal in it: the checkpoint once it and every batch before it settled. */
  end: number;
  done: boolean;
  counts: Counts;
  failures: FailureLine[];
}

const zero = (): Counts => ({ created: 0, updated: 0, unchanged: 0, failed: 0 });

export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const { file, format, dryRun } = options;
  const batchSize = options.batchSize ?? MAX_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new ImportUsageError(`--batch-size must be a whole number from 1 to ${MAX_BATCH_SIZE}`);
  }
  const concurrency = options.concurrency ?? 3;
  const progress = options.progress ?? silentProgress;
  const started = Date.now();

  // A dry run writes nothing and has nothing to resume: it keeps no checkpoint.
  const checkpointPath = checkpointPathFor(file);
  const journalPath = dryRun ? `${checkpointPath}.dry-run.ndjson` : journalPathFor(checkpointPath);
  const previous = dryRun ? null : readCheckpoint(checkpointPath);
  const stamp = fileStamp(file);
  if (previous && !options.resume) {
    throw new ImportUsageError(
      `${checkpointPath} holds an unfinished import of ${file} (${previous.settled} records settled): ` +
        'run the same command with --resume to continue it, or delete that file to start again',
    );
  }
  if (previous && (previous.from !== format.name || previous.size !== stamp.size || previous.mtimeMs !== stamp.mtimeMs)) {
    throw new ImportUsageError(
      `${file} changed since the import that ${checkpointPath} records began (or --from differs: it was ${previous.from}): ` +
        'a resume would skip the wrong records; delete that file to import from the start',
    );
  }
  const errorsPath = options.errors ?? previous?.errors ?? defaultErrorsPath(file, dryRun);
  const reasonsPath = `${errorsPath}.reasons.ndjson`;
  const resumedAt = previous?.settled ?? 0;
  const totals: Counts = previous ? { ...previous.counts } : zero();
  const checkpoint: Checkpoint | null = dryRun
    ? null
    : {
        version: 1,
        file,
        from: format.name,
        ...stamp,
        errors: errorsPath,
        settled: resumedAt,
        counts: totals,
        started_at: previous?.started_at ?? new Date().toISOString(),
        updated_at: new Date().toISOString(),
      };
  if (checkpoint) writeCheckpoint(checkpointPath, checkpoint);
  const journal = new FailureJournal(journalPath, previous ? resumedAt : null);

  const client = createBatchClient({
    url: options.url,
    key: options.key,
    dryRun,
    ...options.client,
    onWait: (reason, ms) => progress.note(`waiting ${(ms / 1000).toFixed(1)} s: ${reason}`),
  });
  const total = await format.count(file, options.formatOptions);
  progress.start(total, resumedAt);

  const unmapped = new Map<string, number>();
  const notes = new Map<string, number>();
  const tally = (map: Map<string, number>, keys: string[]) => {
    for (const key of new Set(keys)) map.set(key, (map.get(key) ?? 0) + 1);
  };

  // Batches in source order, from the oldest unsettled one; the checkpoint advances over the done ones at the front.
  const open: Batch[] = [];
  let done = resumedAt;
  const inFlight = new Set<Promise<void>>();
  let fatal: unknown = null;

  const advance = () => {
    while (open.length > 0 && open[0]!.done) {
      const batch = open.shift()!;
      for (const key of Object.keys(totals) as Array<keyof Counts>) totals[key] += batch.counts[key];
      if (checkpoint) {
        checkpoint.settled = batch.end;
        checkpoint.updated_at = new Date().toISOString();
        writeCheckpoint(checkpointPath, checkpoint);
      }
    }
  };

  let failedSoFar = totals.failed;
  const settle = async (batch: Batch) => {
    const sendable = batch.records.filter((record): record is ImportRecord => !isUnreadable(record));
    const answer = sendable.length > 0 ? await sendSplitting(client.post, sendable.map((r) => r.operation)) : { results: [], summary: zeroSummary() };
    const byIndex = new Map(answer.results.map((item) => [item.index, item]));
    batch.counts.created = answer.summary.created;
    batch.counts.updated = answer.summary.updated;
    batch.counts.unchanged = answer.summary.unchanged;
    let index = 0;
    for (const record of batch.records) {
      if (isUnreadable(record)) {
        batch.failures.push(failure(format, record, 0, 'unreadable_record', record.reason));
        continue;
      }
      const item = byIndex.get(index++);
      if (!item) batch.failures.push(failure(format, record, 0, 'no_result', 'The server answered the batch without a result for this record'));
      else if (item.error) batch.failures.push(failure(format, record, item.status, item.error.error, item.error.message, item.error.details));
    }
    batch.counts.failed = batch.failures.length;
    // Disk first: the checkpoint may pass this batch only once its failures are journaled.
    journal.append(batch.failures);
    batch.done = true;
    advance();
    done += batch.records.length;
    failedSoFar += batch.counts.failed;
    progress.update(done, failedSoFar);
  };

  let interrupted = false;
  try {
    let current: Batch | null = null;
    const dispatch = async (batch: Batch) => {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (fatal) throw fatal;
      open.push(batch);
      const running: Promise<void> = settle(batch)
        .catch((error: unknown) => {
          fatal ??= error;
        })
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    };
    for await (const record of format.read(file, options.formatOptions)) {
      if (record.ordinal < resumedAt) continue;
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (!isUnreadable(record)) {
        tally(unmapped, record.unmapped);
        tally(notes, record.notes);
      }
      current ??= { records: [], sendable: 0, end: 0, done: false, counts: zero(), failures: [] };
      current.records.push(record);
      if (!isUnreadable(record)) current.sendable += 1;
      current.end = record.ordinal + 1;
      if (current.sendable >= batchSize) {
        await dispatch(current);
        current = null;
      }
      if (fatal) break;
    }
    if (current && !interrupted && !fatal) await dispatch(current);
    await Promise.all(inFlight);
    if (fatal) throw fatal;
  } finally {
    await Promise.allSettled(inFlight);
    journal.close();
    progress.stop();
  }

  const finished = !interrupted;
  let failedPublished = 0;
  if (finished) {
    failedPublished = await journal.publish(format, file, errorsPath, reasonsPath);
    if (checkpoint) removeCheckpoint(checkpointPath);
  }
  if (dryRun) rmSync(journalPath, { force: true });
  return {
    ...totals,
    total,
    resumedAt,
    dryRun,
    interrupted,
    errorsPath: failedPublished > 0 ? errorsPath : null,
    reasonsPath: failedPublished > 0 ? reasonsPath : null,
    checkpointPath: finished ? null : checkpointPath,
    unmapped,
    notes,
    seconds: (Date.now() - started) / 1000,
  };
}

const zeroSummary = (): BatchAnswer['summary'] => ({ created: 0, updated: 0, unchanged: 0, deleted: 0, failed: 0 });

/** Posts the operations; a batch over the server's body limit goes again in halves. */
async function sendSplitting(post: (operations: unknown[]) => Promise<BatchAnswer>, operations: unknown[]): Promise<BatchAnswer> {
  try {
    return await post(operations);
  } catch (error) {
    if (!(error instanceof BatchTooLarge) || operations.length === 1) throw error;
    const half = Math.ceil(operations.length / 2);
    const first = await sendSplitting(post, operations.slice(0, half));
    const second = await sendSplitting(post, operations.slice(half));
    const summary = zeroSummary();
    for (const key of Object.keys(summary) as Array<keyof typeof summary>) summary[key] = first.summary[key] + second.summary[key];
    return { results: [...first.results, ...second.results.map((item: BatchItem) => ({ ...item, index: item.index + half }))], summary };
  }
}

function failure(
  format: ImportFormat,
  record: ImportRecord | UnreadableRecord,
  status: number,
  error: string,
  message: string,
  details?: Record<string, string[]>,
): FailureLine {
  return {
    ordinal: record.ordinal,
    ...(record.sourceId !== undefined ? { source_id: record.sourceId } : {}),
    status,
    error,
    message,
    ...(details ? { details } : {}),
    record: format.redact(record.source),
  };
}
