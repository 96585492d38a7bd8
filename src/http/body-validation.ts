/**
 * User bodies are checked twice: by the route schema (shape and types, and what the OpenAPI
 * document shows) and by the domain's field rules. Routes attach the schema's verdict instead of
 * failing at once, so that a request with several bad fields hears about all of them in one reply.
 */
import type { FastifyRequest } from 'fastify';
import { emptyFieldErrors, ValidationError, type FieldErrors } from '../domain/errors.ts';
import { toDomainError } from './errors.ts';

export function assertValidUserBody(request: FastifyRequest, domainErrors: (body: Record<string, unknown>) => FieldErrors): void {
  if (!request.validationError) return;
  const schemaError = toDomainError(request.validationError);
  if (!(schemaError instanceof ValidationError)) throw request.validationError;
  const body = request.body;
  const fromDomain = typeof body === 'object' && body !== null && !Array.isArray(body) ? domainErrors(body as Record<string, unknown>) : {};
  const details = emptyFieldErrors();
  for (const [field, messages] of Object.entries(fromDomain)) details[field] = messages;
  // The schema's message wins for a field both reject (it is the more basic problem).
  for (const [field, messages] of Object.entries(schemaError.details)) details[field] = messages;
  throw new ValidationError(details);
}
