import type { Door, Environment } from '../domain/user.ts';
import type { Scope } from '../store/contract.ts';

/** Who is asking, through which door, for which request: passed to every use case. */
export interface RequestContext {
  environment: Environment;
  /** The credential's id (an API key id, or a token subject). */
  actor: string;
  door: Door;
  requestId: string | null;
  /**
   * The scopes of the credential, for the permission checks the services make themselves (e.g. an
   * email set as verified under the verify policy needs admin). Absent: none (denied).
   */
  scopes?: ReadonlySet<Scope>;
  /**
   * Ids of the users this request erased (a delete under USERPLANE_DELETED_USER_HISTORY=redact),
   * filled in by the services: the idempotency layer then keeps no copy of the response, which
   * may describe them (a batch answers with each deleted user as it was).
   */
  erased?: string[];
  /** An import's write (a batch marked Userplane-Import): its events' webhooks go behind live ones. */
  bulk?: boolean;
}

/** The clock, injectable for tests. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
