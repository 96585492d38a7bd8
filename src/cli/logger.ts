/** The process logger of `serve` and `worker`: JSON lines on stdout, safe to pipe into `head`. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.ts';

/**
 * Synchronous writes to fd 1: when the reader has gone (`serve | head -3`) each write fails at once
 * with EPIPE and logging stops. pino's default asynchronous stream instead retries its final flush
 * at exit forever on a closed pipe, so SIGTERM never ended the process.
 */
export function createLogger(level: LogLevel): Logger {
  ignoreBrokenPipe(process.stdout);
  return pino({ level }, pino.destination({ dest: 1, sync: true }));
}

let installed = false;

/** A closed stdout must not crash the process either when something else (the first keys) writes to it. */
function ignoreBrokenPipe(stream: NodeJS.WriteStream): void {
  if (installed) return;
  installed = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
