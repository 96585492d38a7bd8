/** Runs the clean-up sweeps (../services/sweeper.ts) for as long as the server is up. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { coreSweepJobs, retentionSweepJobs, startSweeper, type Sweeper, type SweeperOptions } from '../services/sweeper.ts';
import { DEFAULT_PRIVACY, type PrivacyConfig } from '../config.ts';
import type { Store } from '../store/contract.ts';
import { IDEMPOTENCY_TTL_MS } from './idempotency.ts';

declare module 'fastify' {
  interface FastifyInstance {
    sweeper: Sweeper | null;
  }
}

export const sweepPlugin = fp(async (app: FastifyInstance, opts: { store: Store; sweeps?: SweeperOptions; retention?: Pick<PrivacyConfig, 'eventRetentionDays' | 'deliveryRetentionDays'> }) => {
  app.decorate('sweeper', null);
  app.addHook('onReady', async () => {
    const jobs = [...coreSweepJobs(opts.store, IDEMPOTENCY_TTL_MS), ...retentionSweepJobs(opts.store, opts.retention ?? DEFAULT_PRIVACY)];
    app.sweeper = startSweeper(jobs, {
      ...opts.sweeps,
      log: (error, message) => app.log.warn({ err: error }, message),
    });
  });
  app.addHook('onClose', async () => app.sweeper?.stop());
});
