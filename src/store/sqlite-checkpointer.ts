/**
 * SQLite's WAL checkpoints are where the fsyncs happen. Run from the request thread they stall the
 * event loop for milliseconds every few hundred commits; here a worker thread with its own
 * connection checkpoints in the background (PASSIVE: never blocks a writer) and the request
 * thread only appends to the WAL. The main connection keeps a large auto-checkpoint as a backstop.
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
  const timer = setInterval(() => {
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or gone: the next tick tries again */ }
  }, workerData.intervalMs);
  parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
})();
`;

export interface Checkpointer {
  stop(): void;
}

export function startCheckpointer(path: string, intervalMs = 250): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs } });
  worker.unref();
  // Checkpointing is an optimisation: if the worker fails, the main connection's own
  // auto-checkpoint still bounds the WAL.
  worker.on('error', () => {});
  return { stop: () => worker.postMessage('stop') };
}
