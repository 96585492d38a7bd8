/**
 * `serve --workers N`: a primary process that forks N HTTP workers (node:cluster, which hands them
 * one listening socket) and keeps them running. The primary migrates, creates the first keys and
 * runs the webhook delivery worker once; the HTTP workers hold no state of their own, so any
 * of them may answer any request.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { ClusterMetrics } from '../http/metrics.ts';

const METRICS_REQUEST = 'userplane:metrics-request';
const METRICS_RESPONSE = 'userplane:metrics-response';
/** A worker that dies sooner than this after its start is restarted after a pause, not at once. */
const CRASH_LOOP_MS = 5_000;
/** The exit code of an HTTP worker that could not start (it has printed why); before `ready` it ends start-up. */
export const WORKER_START_FAILED = 78;

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}

export interface Supervisor {
  /** Resolves once every worker listens. */
  ready: Promise<void>;
  /** SIGTERM to every worker; resolves with true when all exited cleanly within the timeout. */
  stop(): Promise<boolean>;
}

/** Forks `count` HTTP workers running `serve` again, restarts any that dies, answers metrics requests. */
export function superviseWorkers(config: Config, count: number, logger: Logger): Supervisor {
  const log = logger.child({ component: 'cluster' });
  const aggregator = new AggregatorRegistry();
  const startedAt = new Map<number, number>();
  const listened = new Set<number>();
  let stopping = false;

  // Scrapes land on one worker; it asks here, and the answer covers every worker.
  cluster.on('message', (worker: Worker, message: MetricsMessage) => {
    if (message?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_RESPONSE, id: message.id, text }),
      (error: Error) => worker.send({ type: METRICS_RESPONSE, id: message.id, error: error.message }),
    );
  });

  const fork = () => {
    // Tells each worker how many share the machine: the password-hashing concurrency is split (config.ts).
    const worker = cluster.fork({ USERPLANE_CLUSTER_WORKERS: String(count) });
    startedAt.set(worker.id, Date.now());
    // A message to a worker that just died fails here; its 'exit' does the rest.
    worker.on('error', (error) => log.warn({ err: error, worker_pid: worker.process.pid }, 'worker channel error'));
    return worker;
  };

  let failStart: (error: Error) => void = () => {};
  let started = false;
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    listened.delete(worker.id);
    if (stopping) return;
    // Restarting a worker that cannot listen (or reach the database) would only fail again, forever.
    if (!started && code === WORKER_START_FAILED) {
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) if (other && !other.isDead()) other.process.kill('SIGTERM');
      failStart(new Error('an HTTP worker could not start, for the reason printed above'));
      return;
    }
    const delay = lived < CRASH_LOOP_MS ? 1_000 : 0;
    log.error({ worker_pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker exited unexpectedly: starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });

  let listening = 0;
  const ready = new Promise<void>((resolve, reject) => {
    failStart = reject;
    cluster.on('listening', (worker: Worker) => {
      listened.add(worker.id);
      if (++listening === count) {
        started = true;
        resolve();
      }
    });
  });
  for (let i = 0; i < count; i++) fork();

  return {
    ready,
    async stop() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      const exits = workers.map(
        (worker) =>
          new Promise<boolean>((resolve) => {
            if (worker.isDead()) return resolve(worker.process.exitCode === 0);
            // One still starting has no handler yet and dies of the signal, having accepted nothing.
            const starting = !listened.has(worker.id);
            worker.once('exit', (code, signal) => {
              const clean = code === 0 || (starting && signal === 'SIGTERM');
              if (!clean) log.warn({ worker_pid: worker.process.pid, code, signal }, 'worker did not stop cleanly');
              resolve(clean);
            });
            worker.process.kill('SIGTERM');
          }),
      );
      // Each worker enforces the timeout itself; this guards against one that cannot.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
          resolve(false);
        }, config.shutdownTimeoutMs + 500);
      });
      const clean = await Promise.race([Promise.all(exits).then((all) => all.every(Boolean)), deadline]);
      clearTimeout(timer);
      return clean;
    },
  };
}

/** In an HTTP worker: /metrics asks the primary, which gathers every worker's registry. */
export function workerMetrics(): ClusterMetrics {
  let next = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  process.on('message', (message: MetricsMessage) => {
    if (message?.type !== METRICS_RESPONSE) return;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (message.error !== undefined) waiting.reject(new Error(message.error));
    else waiting.resolve(message.text ?? '');
  });
  return {
    attach(registry: Registry) {
      // Constructing one registers prom-client's answer to the primary's requests for this worker's metrics.
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([registry]);
      return () =>
        new Promise<string>((resolve, reject) => {
          const id = next++;
          const timer = setTimeout(() => {
            pending.delete(id);
            reject(new Error('the primary did not answer the metrics request in time'));
          }, 6_000);
          pending.set(id, { resolve, reject, timer });
          process.send?.({ type: METRICS_REQUEST, id });
        });
    },
  };
}
