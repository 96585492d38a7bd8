/**
 * SQLite's WAL checkpoints are where the fsyncs happen. Run from the request thread they stall the
 * event loop for milliseconds every few hundred commits; here a worker thread with its own
 * connection checkpoints in the background (PASSIVE: never blocks a writer) and the request
 * thread only appends to the WAL. The main connection keeps a large auto-checkpoint as a backstop.
 *
 * After an erasure (issue 16) a checkpoint is not enough: the WAL keeps old page images, the
 * erased values among them, until it is overwritten. `truncateSoon` asks for a TRUNCATE checkpoint,
 * which copies every frame into the database file (where secure_delete has zeroed the deleted
 * content) and truncates the WAL to nothing. It waits for readers to move on, so it is retried
 * each tick until it succeeds; many erasures in a row share one.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
(function run() {
  let db;
  // The main connection created the file; if it is already gone (closed and deleted), do nothing.
  try { db = new Database(workerData.path, { fileMustExist: true }); } catch { parentPort.close(); return; }
  db.pragma('busy_timeout = 1000');
  let truncate = false;
  const timer = setInterval(() => {
    try {
      if (!truncate) { db.pragma('wal_checkpoint(PASSIVE)'); return; }
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)');
      if (result && result.busy === 0) truncate = false;
    } catch { /* busy or gone: the next tick tries again */ }
  }, workerData.intervalMs);
  parentPort.on('message', (message) => {
    if (message === 'truncate') { truncate = true; return; }
    clearInterval(timer);
    // An erasure just before closing (the erase command) still truncates the WAL, once.
    if (truncate) { try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch { /* the next open checkpoints */ } }
    db.close(); parentPort.close();
  });
})();
`;

export interface Checkpointer {
  /** Checkpoint and truncate the WAL at the next tick (retried until no reader holds it). */
  truncateSoon(): void;
  stop(): void;
}

export function startCheckpointer(path: string, intervalMs = 250): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs } });
  worker.unref();
  // Checkpointing is an optimisation: if the worker fails, the main connection's own
  // auto-checkpoint still bounds the WAL.
  worker.on('error', () => {});
  return { truncateSoon: () => worker.postMessage('truncate'), stop: () => worker.postMessage('stop') };
}
