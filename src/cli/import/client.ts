/**
 * The import's HTTP side: POST /v1/users/batch with the key, waiting out 429 and 503 (Retry-After,
 * bounded) and short network failures, so that only a record the server refused counts as failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** What the batch API answers per operation. */
export interface BatchItem {
  index: number;
  status: number;
  user?: { id: string };
  error?: { error: string; message: string; details?: Record<string, string[]> };
}

export interface BatchAnswer {
  results: BatchItem[];
  summary: { created: number; updated: number; unchanged: number; deleted: number; failed: number };
}

/** A stop for the whole import (bad key, a server that never recovers): the checkpoint lets it resume. */
export class ImportAbort extends Error {}

/** The batch was larger than the server's body limit: the runner sends it in halves. */
export class BatchTooLarge extends Error {}

export interface ClientOptions {
  url: string;
  key: string;
  dryRun: boolean;
  /** Longest single wait for a Retry-After (a larger value is capped to this). */
  maxWaitMs?: number;
  /** How long one batch may keep being answered 429/503 or failing to connect before the import stops. */
  giveUpAfterMs?: number;
  /** Told about every wait, for the progress line. */
  onWait?: (reason: string, ms: number) => void;
}

/** The header by which the server knows a batch is an import's (its users' webhooks go behind live ones). */
export const IMPORT_HEADER = 'userplane-import';

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function createBatchClient(options: ClientOptions) {
  const endpoint = new URL('/v1/users/batch', options.url).toString();
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const giveUpAfterMs = options.giveUpAfterMs ?? 15 * 60_000;

  return {
    async post(operations: unknown[]): Promise<BatchAnswer> {
      const body = JSON.stringify({ operations, dry_run: options.dryRun });
      const started = Date.now();
      let backoffMs = 500;
      for (let attempt = 1; ; attempt++) {
        let waitMs: number;
        let reason: string;
        try {
          const response = await fetch(endpoint, {
            method: 'POST',
            headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json', [IMPORT_HEADER]: '1' },
            body,
          });
          if (response.status === 200) return (await response.json()) as BatchAnswer;
          const text = await response.text();
          if (response.status === 413) throw new BatchTooLarge(text);
          if (response.status !== 429 && response.status !== 503 && response.status !== 502 && response.status !== 504) {
            throw new ImportAbort(`${endpoint} answered ${response.status}: ${serverMessage(text)}`);
          }
          reason = `the server answered ${response.status}`;
          waitMs = retryAfterMs(response.headers.get('retry-after')) ?? backoffMs;
        } catch (error) {
          if (error instanceof ImportAbort || error instanceof BatchTooLarge) throw error;
          // fetch rejects only when no answer came (refused, reset, DNS): the server may be restarting.
          reason = `no answer from ${options.url} (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message})`;
          waitMs = backoffMs;
        }
        backoffMs = Math.min(backoffMs * 2, 30_000);
        waitMs = Math.min(Math.max(waitMs, 50), maxWaitMs);
        if (Date.now() + waitMs - started > giveUpAfterMs) {
          throw new ImportAbort(`${reason} for ${Math.round((Date.now() - started) / 1000)} s (attempt ${attempt}); run the same command with --resume later`);
        }
        options.onWait?.(reason, waitMs);
        await sleep(waitMs);
      }
    },
  };
}

/** The error body's message, or the start of the text when it is no JSON error. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; details?: unknown };
    if (typeof body.message === 'string') return body.details ? `${body.message} ${JSON.stringify(body.details)}` : body.message;
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 300);
}

export type BatchClient = ReturnType<typeof createBatchClient>;
