/**
 * The delivery worker: drains the webhook outbox. It claims due deliveries under a lease, posts
 * each one, and records the attempt; a failure is retried with backoff until its window is spent,
 * and then the endpoint is marked failing. Any number of workers may share a PostgreSQL store
 * (claims skip each other's rows); a worker killed mid-delivery leaves a lease that expires, and
 * another delivers the event again: at least once, never silently dropped.
 *
 * Fairness (issue 12): each environment has its own `concurrency` slots in this process, and an
 * endpoint has at most `endpointConcurrency` deliveries in flight across the workers; claims take
 * every endpoint's first due delivery before any endpoint's second; an attempt still waiting after
 * `slowAfterMs` frees its slot. So slow receivers in `test` never hold up `live`, and hanging
 * receivers hold up the others of their environment for about a second at most. Attempts in flight
 * are bounded by endpoints × endpointConcurrency.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ENVIRONMENTS, type Environment } from '../domain/user.ts';
import type { Store } from '../store/contract.ts';
import type { ClaimedDelivery, WebhookEndpoint } from '../store/webhook-contract.ts';
import { nextAttemptAt, type RetryPolicy } from './backoff.ts';
import type { WebhookFormats } from './format.ts';
import type { WebhookConfig } from '../config.ts';
import type { Resolver } from './safe-lookup.ts';
import { postWebhook, type SendResult } from './sender.ts';

/** The worker's settings are the configuration's, less where it runs. */
export type WorkerSettings = Omit<WebhookConfig, 'workerInServe'>;

type LogFn = (fields: Record<string, unknown>, message: string) => void;
export interface WorkerLog {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface WorkerOptions extends WorkerSettings {
  formats: WebhookFormats;
  /** Deliveries in flight per endpoint, across the workers; 2 by default. */
  endpointConcurrency?: number;
  /** Deliver to loopback, private, link-local… addresses too (development and tests); off by default. */
  allowPrivateNetworks?: boolean;
  /** DNS for endpoint names; tests inject one. */
  resolve?: Resolver;
  /** An attempt waiting this long for its receiver gives up its environment slot; 1 s by default. */
  slowAfterMs?: number;
  log?: WorkerLog;
  clock?: () => Date;
  random?: () => number;
}

const silent: WorkerLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** The secrets that sign now: the current one, and a rotated-out one until its overlap ends. */
export function signingSecrets(endpoint: WebhookEndpoint, now: Date): string[] {
  const previousValid = endpoint.previous_secret !== null && endpoint.previous_secret_expires_at !== null && endpoint.previous_secret_expires_at > now.toISOString();
  return previousValid ? [endpoint.secret, endpoint.previous_secret!] : [endpoint.secret];
}

export const DEFAULT_ENDPOINT_CONCURRENCY = 2;
export const DEFAULT_SLOW_AFTER_MS = 1000;

/** The longest an idle worker waits between claims while the database is away. */
const MAX_CLAIM_BACKOFF_MS = 5_000;

export function createDeliveryWorker(store: Store, options: WorkerOptions) {
  const log = options.log ?? silent;
  const clock = options.clock ?? (() => new Date());
  const policy: RetryPolicy = { baseMs: options.retryBaseMs, windowMs: options.retryWindowMs };
  const node = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let claims = 0;

  const endpointConcurrency = options.endpointConcurrency ?? DEFAULT_ENDPOINT_CONCURRENCY;

  async function claim(perEnvironment: Partial<Record<Environment, number>>): Promise<{ owner: string; jobs: ClaimedDelivery[] }> {
    const owner = `${node}:${++claims}`;
    const now = clock();
    const limit = Object.values(perEnvironment).reduce((sum, n) => sum + n, 0);
    const leaseUntil = new Date(now.getTime() + options.leaseMs).toISOString();
    const jobs = await store.transaction((tx) => tx.webhooks.claimDue({ now: now.toISOString(), limit, leaseOwner: owner, leaseUntil, perEnvironment, endpointConcurrency }));
    return { owner, jobs };
  }

  async function send(job: ClaimedDelivery, at: Date): Promise<SendResult> {
    const format = options.formats[job.endpoint.format];
    if (!format) return { ok: false, status: null, latencyMs: 0, error: `This process has no "${job.endpoint.format}" payload format` };
    const body = format.body(job.event);
    const headers = format.headers({ messageId: job.delivery.id, timestamp: at, body, secrets: signingSecrets(job.endpoint, at) });
    return postWebhook(job.endpoint.url, body, headers, { timeoutMs: options.timeoutMs, allowPrivateNetworks: options.allowPrivateNetworks, resolve: options.resolve });
  }

  /** One attempt of one claimed delivery. Never throws: what goes wrong is recorded or logged. */
  async function deliver(owner: string, job: ClaimedDelivery): Promise<void> {
    const { delivery, endpoint } = job;
    try {
      const result = await send(job, clock());
      const finished = clock();
      const attempt = delivery.attempts + 1;
      // A target the address policy refuses is not retried: it would only be refused again, and the
      // failing endpoint shows the admin why at once (a manual retry sends it again once fixed).
      const retryAt = result.ok || result.refused ? null : nextAttemptAt(policy, attempt, finished, new Date(delivery.retry_from), options.random);
      const state = result.ok ? 'succeeded' : retryAt ? 'pending' : 'failed';
      const at = finished.toISOString();
      await store.transaction(async (tx) => {
        const record = { delivery_id: delivery.id, attempt, succeeded: result.ok, http_status: result.status, latency_ms: result.latencyMs, error: result.error, created_at: at };
        const held = await tx.webhooks.recordAttempt(owner, record, { state, next_attempt_at: retryAt?.toISOString() ?? null });
        if (!held) return;
        if (result.ok && endpoint.status === 'failing') await tx.webhooks.markEndpointHealthy(endpoint.id, at);
        if (state === 'failed') await tx.webhooks.markEndpointFailing(endpoint.id, `${delivery.event_type} ${delivery.event_id}: ${result.error}`, at);
      });
      const fields = { node, delivery: delivery.id, event: delivery.event_id, endpoint: endpoint.id, attempt, status: result.status, latency_ms: result.latencyMs, state };
      if (state === 'failed') log.warn({ ...fields, error: result.error }, 'webhook delivery gave up; endpoint marked failing');
      else log.debug(result.ok ? fields : { ...fields, error: result.error, retry_at: retryAt }, 'webhook attempt');
    } catch (error) {
      // Usually the database: the lease runs out and the delivery is claimed again.
      log.error({ err: error, node, delivery: delivery.id }, 'recording a webhook attempt failed');
    }
  }

  let running = false;
  let loopDone: Promise<void> | null = null;
  /** Attempts holding a slot, per environment: each environment has its own slots. */
  const inFlight = new Map<Environment, Set<Promise<void>>>(ENVIRONMENTS.map((env) => [env, new Set()]));
  /** Every attempt not finished yet, slow ones included: what stop() waits for. */
  const unfinished = new Set<Promise<void>>();
  const slowAfterMs = options.slowAfterMs ?? DEFAULT_SLOW_AFTER_MS;
  let nudged = false;
  let wake: (() => void) | null = null;

  function nudge(): void {
    nudged = true;
    wake?.();
  }

  /** Waits for the poll interval, or less when a delivery finishes (its user's next event may be due). */
  async function pause(ms: number): Promise<void> {
    if (!nudged) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }
    nudged = false;
  }

  function track(environment: Environment, delivery: Promise<void>): void {
    const slots = inFlight.get(environment) ?? inFlight.set(environment, new Set()).get(environment)!;
    slots.add(delivery);
    unfinished.add(delivery);
    // Still waiting for its receiver: it gives its slot up (its endpoint's cap still counts it), so a
    // few hanging receivers cannot take every slot of their environment.
    const slow = setTimeout(() => slots.delete(delivery) && nudge(), slowAfterMs);
    void delivery.finally(() => {
      clearTimeout(slow);
      slots.delete(delivery);
      unfinished.delete(delivery);
      nudge();
    });
  }

  /**
   * Free slots per environment worth a claim. Claims go in batches: while more than half of an
   * environment's slots are busy, it waits for more to free up rather than spend a claim
   * transaction on each finished delivery.
   */
  function wanted(): Partial<Record<Environment, number>> {
    const free: Partial<Record<Environment, number>> = {};
    for (const [env, slots] of inFlight) {
      const room = options.concurrency - slots.size;
      if (room > 0 && (slots.size === 0 || room >= Math.ceil(options.concurrency / 2))) free[env] = room;
    }
    return free;
  }

  /** Claims failed in a row: the database is away. Polls back off, and only the first failure is an error. */
  let failures = 0;

  async function loop(): Promise<void> {
    while (running) {
      const free = wanted();
      if (Object.keys(free).length > 0) {
        try {
          const { owner, jobs } = await claim(free);
          if (failures > 0) log.info({ node, failures }, 'claiming webhook deliveries works again');
          failures = 0;
          for (const job of jobs) track(job.delivery.environment, deliver(owner, job));
        } catch (error) {
          if (failures === 0) log.error({ err: error, node }, 'claiming webhook deliveries failed: retrying with backoff');
          else log.debug({ err: error, node, failures }, 'claiming webhook deliveries failed again');
          failures++;
        }
      }
      if (running) await pause(failures === 0 ? options.pollMs : Math.max(options.pollMs, Math.min(options.pollMs * 2 ** failures, MAX_CLAIM_BACKOFF_MS)));
    }
  }

  return {
    node,
    start(): void {
      if (running) return;
      running = true;
      loopDone = loop();
      log.info(
        { node, concurrency_per_environment: options.concurrency, endpoint_concurrency: endpointConcurrency, allow_private_networks: Boolean(options.allowPrivateNetworks), poll_ms: options.pollMs },
        'webhook worker started',
      );
    },

    /** Stops claiming and waits for the attempts in flight (each ends within the timeout). */
    async stop(): Promise<void> {
      if (!running) return;
      running = false;
      nudge();
      await loopDone;
      await Promise.allSettled([...unfinished]);
      log.info({ node }, 'webhook worker stopped');
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
