import type { Door, Environment } from '../domain/user.ts';

/** Who is asking, through which door, for which request: passed to every use case. */
export interface RequestContext {
  environment: Environment;
  /** The credential's id (an API key id, or a token subject). */
  actor: string;
  door: Door;
  requestId: string | null;
}

/** The clock, injectable for tests. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
