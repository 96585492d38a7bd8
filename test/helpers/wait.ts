/** Waiting in tests: for a condition with a deadline, never for a fixed time and then counting. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once `condition` holds (checked every `everyMs`); past `timeoutMs` it rejects naming
 * `what` (a function says what was reached by then). Tests wait for counts this way instead of
 * asserting how many happened in a fixed time, which a busy machine breaks.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 10_000,
  everyMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}
