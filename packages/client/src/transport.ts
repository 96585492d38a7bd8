/**
 * The fetch the client sends through: an Idempotency-Key on every POST that has none (the same
 * key on every retry, so a retried create creates once), and retries of 429, 503 and network
 * failures that wait as long as Retry-After says, up to a cap.
 */
import { retryAfterMs } from './errors.ts';

export interface RetryOptions {
  /** Retries after the first attempt (429, 503, network failure); 0 turns retrying off. Default 2. */
  maxRetries?: number;
  /** The longest wait before a retry; a Retry-After beyond it is not waited for (the error is thrown). Default 30 s. */
  maxRetryDelayMs?: number;
  /** The wait when the server gave no Retry-After (network failures), doubled on each retry. Default 500 ms. */
  baseRetryDelayMs?: number;
}

export type Fetch = (input: Request) => Promise<Response>;

const RETRIED_STATUSES = new Set([429, 503]);

export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  // randomUUID exists only in secure contexts of browsers; getRandomValues everywhere.
  const bytes = c.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function retryingFetch(fetchImpl: Fetch, options: RetryOptions = {}): Fetch {
  const maxRetries = options.maxRetries ?? 2;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const baseDelay = options.baseRetryDelayMs ?? 500;

  return async (request: Request) => {
    if (request.method === 'POST' && !request.headers.has('idempotency-key')) request.headers.set('Idempotency-Key', newIdempotencyKey());
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= maxRetries;
      // A Request's body can be read once: every attempt sends a copy.
      const sent = last ? request : request.clone();
      let response: Response;
      try {
        response = await fetchImpl(sent);
      } catch (error) {
        if (last || request.signal?.aborted) throw error;
        await sleep(Math.min(maxDelay, baseDelay * 2 ** attempt));
        continue;
      }
      if (last || !RETRIED_STATUSES.has(response.status)) return response;
      const wait = retryAfterMs(response) ?? baseDelay * 2 ** attempt;
      if (wait > maxDelay) return response; // told to wait longer than allowed: the caller decides
      await response.body?.cancel();
      await sleep(wait);
    }
  };
}
