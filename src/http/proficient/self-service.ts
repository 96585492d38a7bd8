/**
 * The Proficient client pattern: a publishable key (pk_…) plus the signed-in user's external id in
 * X-User-External-Id. The door only names the user and the fields; the user service enforces them.
 */
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../domain/errors.ts';
import type { WritableField } from '../../domain/user.ts';
import type { SelfService } from '../../services/user-service.ts';

/** What an end user may change about themselves through this door. */
export const SELF_SERVICE_FIELDS: readonly WritableField[] = ['first_name', 'last_name'];

/** The restriction a publishable-key request acts under; undefined for secret keys, which act on any user. */
export function selfServiceOf(request: FastifyRequest): SelfService | undefined {
  if (request.principal?.type !== 'publishable') return undefined;
  // Authentication settled the end user (and refused a request without one).
  if (!request.endUser) throw new ForbiddenError("A publishable key must send X-User-External-Id with the signed-in user's external id");
  return { externalId: request.endUser, fields: SELF_SERVICE_FIELDS };
}
