/**
 * The one bounded queue every password hash and verify goes through. The work itself runs on the
 * libuv threadpool (never on the event loop); the queue caps how many run at once, so a burst of
 * expensive verifies cannot take every pool thread and core, and turns a wait longer than
 * `maxWaitMs` (or a full queue) into 503 `unavailable` with Retry-After.
 */
import { UnavailableError } from '../../domain/errors.ts';

export interface HashQueueOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Longest a job may wait for its turn before it fails with UnavailableError. */
  maxWaitMs: number;
  /** Jobs waiting at most; one more fails at once with UnavailableError. */
  maxQueued: number;
}

export interface HashQueueStats {
  running: number;
  waiting: number;
  /** Jobs started since the queue was made: tests read it to prove no hashing happened. */
  started: number;
  /** Jobs refused for waiting too long or finding the queue full. */
  refused: number;
}

export interface HashQueue {
  run<T>(job: () => Promise<T>): Promise<T>;
  stats(): HashQueueStats;
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

export function createHashQueue(options: HashQueueOptions): HashQueue {
  const waiting: Waiter[] = [];
  let running = 0;
  let started = 0;
  let refused = 0;
  const busy = () => {
    refused += 1;
    return new UnavailableError('Password hashing is busy; retry shortly', Math.max(1, Math.ceil(options.maxWaitMs / 1000)));
  };

  const next = () => {
    running -= 1;
    const waiter = waiting.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.start();
    }
  };

  return {
    run<T>(job: () => Promise<T>): Promise<T> {
      const go = (): Promise<T> => {
        running += 1;
        started += 1;
        let result: Promise<T>;
        try {
          result = job();
        } catch (error) {
          result = Promise.reject(error);
        }
        return result.finally(next);
      };
      if (running < options.concurrency) return go();
      if (waiting.length >= options.maxQueued) return Promise.reject(busy());
      return new Promise<T>((resolve, reject) => {
        const waiter: Waiter = {
          start: () => go().then(resolve, reject),
          timer: setTimeout(() => {
            const index = waiting.indexOf(waiter);
            if (index >= 0) waiting.splice(index, 1);
            reject(busy());
          }, options.maxWaitMs),
        };
        waiting.push(waiter);
      });
    },
    stats: () => ({ running, waiting: waiting.length, started, refused }),
  };
}
