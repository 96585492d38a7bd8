/** Waiting in tests: for a condition with a deadline, never for a fixed time and then counting. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `condition()` holds, polling; past `timeoutMs` it throws `message()`. Tests wait for
 * counts this way instead of asserting how many happened in a fixed time, which a busy machine breaks.
 */
export async function waitUntil(condition: () => boolean, timeoutMs: number, message: () => string, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${message()} (waited ${timeoutMs} ms)`);
    await sleep(pollMs);
  }
}
