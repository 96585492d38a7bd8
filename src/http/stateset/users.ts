/** /stateset/v1/users/:id: StateSet's get and update user (seed 004) over the shared user service. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ValidationError, type FieldErrors } from '../../domain/errors.ts';
import { etagFor } from '../../domain/user.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { toDomainError } from '../errors.ts';
import { expectedVersions } from '../preconditions.ts';
import { statesetErrors, UpdateUserBody, UserIdParams, UserSchema } from './schemas.ts';
import { isStateSetField, toCanonicalPatch, toStateSetDetails, unknownFieldMessage, statesetUser } from './wire.ts';

const tags = ['stateset'];
const security = [{ bearer: [] }];

const ID_MISMATCH = 'Must equal the id in the path';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The domain's field errors, under StateSet names, thrown again as a ValidationError. */
function renamed(error: unknown): unknown {
  return error instanceof ValidationError ? new ValidationError(toStateSetDetails(error.details), error.message) : error;
}

export const statesetUserRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  /** Every problem of a body at once: unknown keys, an id that is not the path's, the domain's field rules. */
  function bodyErrors(body: Record<string, unknown>, pathId: string): FieldErrors {
    const details = toStateSetDetails(services.users.fieldErrors(toCanonicalPatch(body)));
    for (const key of Object.keys(body)) {
      if (key !== 'id' && !isStateSetField(key)) details[key] = [unknownFieldMessage(key)];
    }
    if ('id' in body && body.id !== pathId) details.id = [typeof body.id === 'string' ? ID_MISMATCH : 'Must be a string'];
    return details;
  }

  /** Throws a ValidationError naming every bad field, or returns the canonical patch of a good body. */
  function patchOf(request: FastifyRequest, pathId: string): Record<string, unknown> {
    const body = request.body;
    if (request.validationError) {
      const schemaError = toDomainError(request.validationError);
      if (!(schemaError instanceof ValidationError) || !isObject(body)) throw schemaError ?? request.validationError;
      // Type errors from the schema win over the domain's message for the same field.
      const details = bodyErrors(body, pathId);
      for (const [field, messages] of Object.entries(schemaError.details)) {
        if (isStateSetField(field)) details[field] = messages;
      }
      throw new ValidationError(details);
    }
    const valid = body as Record<string, unknown>;
    // An id equal to the path's is StateSet's way of naming the user and is ignored.
    if (valid.id !== undefined && valid.id !== pathId) throw new ValidationError(bodyErrors(valid, pathId));
    return toCanonicalPatch(valid);
  }

  app.get(
    '/v1/users/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        summary: 'Get a user (StateSet)',
        description: 'The user in StateSet field names. Authorization: Token <key> or Bearer <key>.',
        params: UserIdParams,
        response: { 200: UserSchema, ...statesetErrors(404) },
      },
    },
    async (request, reply) => {
      const user = await services.users.get(contextOf(request, 'stateset'), request.params.id);
      return reply.header('ETag', etagFor(user)).send(statesetUser(user));
    },
  );

  app.put(
    '/v1/users/:id',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        summary: 'Update a user (StateSet)',
        description:
          'A partial update: omitted fields stay as they are, null clears a field (active cannot be null). ' +
          'An id in the body must equal the one in the path. Send If-Match with the ETag you read to be ' +
          'refused (412) if the user changed meanwhile.',
        params: UserIdParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', description: 'ETag of the version you read' } } },
        body: UpdateUserBody,
        response: { 200: UserSchema, ...statesetErrors(400, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const patch = patchOf(request, id);
      const result = await services.users
        .update(contextOf(request, 'stateset'), id, patch, { expectedVersions: expectedVersions(request.headers['if-match']) })
        .catch((error: unknown) => {
          throw renamed(error);
        });
      return reply.header('ETag', etagFor(result.user)).send(statesetUser(result.user));
    },
  );
};
