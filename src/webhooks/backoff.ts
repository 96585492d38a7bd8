/**
 * When to try a failed delivery again: exponential backoff with jitter, inside a retry window.
 * With the defaults (5 s base, ×4, capped at 4 h, 24 h window) the retries come after about
 * 5 s, 20 s, 80 s, 5 min, 21 min, 85 min, then every 4 h, and the last one at the 24 h mark.
 */
export interface RetryPolicy {
  /** Delay before the first retry. */
  baseMs: number;
  /** How long after the event (or a manual retry) attempts go on. */
  windowMs: number;
}

const GROWTH = 4;
const MAX_DELAY_MS = 4 * 3600_000;

/** Delay after the `attempts`-th failed attempt (1-based), ±25 % so that retries of many deliveries spread out. */
export function retryDelay(policy: RetryPolicy, attempts: number, random: () => number = Math.random): number {
  // The cap scales with the window so that a short test window still gets several retries.
  const cap = Math.min(MAX_DELAY_MS, policy.windowMs / 4);
  const delay = Math.min(policy.baseMs * GROWTH ** (attempts - 1), cap);
  return Math.round(delay * (0.75 + random() * 0.5));
}

/**
 * The time of the next attempt after a failure at `now`, or null when the window is spent. A
 * retry that would fall after the window's end happens at its end instead: the last chance.
 */
export function nextAttemptAt(policy: RetryPolicy, attempts: number, now: Date, retryFrom: Date, random?: () => number): Date | null {
  const end = retryFrom.getTime() + policy.windowMs;
  if (now.getTime() >= end) return null;
  return new Date(Math.min(now.getTime() + retryDelay(policy, attempts, random), end));
}
