/** /v1/users: the canonical user API (seed 001, extended by DESIGN.md §3–§5). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { etagFor } from '../../domain/user.ts';
import { canonicalUser } from '../../formats/canonical-user.ts';
import type { UserEvent } from '../../store/contract.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { v1 } from './door.ts';
import { expectedVersions } from '../preconditions.ts';
import { listPage, readCursor } from './cursors.ts';
import { v1Condition } from './user-filter.ts';
import {
  DeletedSchema,
  v1Errors,
  EventSchema,
  ListOf,
  ListUsersQuery,
  EventPageQuery,
  UserCreateSchema,
  UserIdParams,
  UserPatchSchema,
  UserSchema,
} from './schemas.ts';

const tags = ['users'];
const security = [{ bearer: [] }];

function eventWire(event: UserEvent) {
  const { seq: _seq, environment: _env, ...rest } = event;
  return { ...rest, object: 'event' as const };
}

export const v1UserRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/users',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        summary: 'Create a user',
        description: 'At least one of email, username or external_id is required.',
        body: UserCreateSchema,
        response: { 201: UserSchema, ...v1Errors(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const user = await services.users.create(contextOf(request, 'v1'), v1.bodyToPatch(request, services.users.fieldErrors));
      return reply.code(201).header('ETag', etagFor(user)).send(canonicalUser(user));
    },
  );

  app.get(
    '/users',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        summary: 'List users',
        description:
          'In creation order. Pass next_cursor back as `after` for the next page, or an id as `before` for the page before it. email, username and external_id ' +
          'match exactly; q searches by prefix across identifiers and names (what the admin console at /console uses). ' +
          'filter takes the SCIM filter grammar (RFC 7644) over the canonical field names and metadata.<key>.',
        querystring: ListUsersQuery,
        response: { 200: ListOf(UserSchema), ...v1Errors(400) },
      },
    },
    async (request) => {
      const { limit, after, before, filter: text, ...filter } = request.query;
      const cursor = readCursor({ after, before }, 'usr');
      const where = text === undefined || text.trim() === '' ? undefined : v1Condition(text);
      const page = await services.users.list(contextOf(request, 'v1'), { ...filter, ...(where ? { where } : {}) }, { limit, ...cursor });
      return listPage(page, cursor, canonicalUser);
    },
  );

  app.get(
    '/users/:id',
    {
      config: { scope: 'read' },
      schema: { tags, security, summary: 'Get a user', params: UserIdParams, response: { 200: UserSchema, ...v1Errors(404) } },
    },
    async (request, reply) => {
      const user = await services.users.get(contextOf(request, 'v1'), request.params.id);
      return reply.header('ETag', etagFor(user)).send(canonicalUser(user));
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        summary: 'Update a user',
        description:
          'Omitted fields stay as they are; null clears a nullable field. metadata is a JSON merge patch. ' +
          'Changing email sets email_verified to false unless the same request sets it true. ' +
          'Send If-Match with the ETag you read to be refused (412) if the user changed meanwhile. ' +
          'An update that changes nothing returns the user as it was.',
        params: UserIdParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', description: 'ETag of the version you read' } } },
        body: UserPatchSchema,
        response: { 200: UserSchema, ...v1Errors(400, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const patch = v1.bodyToPatch(request, services.users.fieldErrors);
      const result = await services.users.update(contextOf(request, 'v1'), request.params.id, patch, {
        expectedVersions: expectedVersions(request.headers['if-match']),
      });
      return reply.header('ETag', etagFor(result.user)).send(canonicalUser(result.user));
    },
  );

  app.delete(
    '/users/:id',
    {
      config: { scope: 'write' },
      schema: {
        tags,
        security,
        summary: 'Delete a user',
        params: UserIdParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string' } } },
        response: { 200: DeletedSchema, ...v1Errors(404, 412) },
      },
    },
    async (request) => {
      const user = await services.users.delete(contextOf(request, 'v1'), request.params.id, {
        expectedVersions: expectedVersions(request.headers['if-match']),
      });
      return { id: user.id, object: 'user' as const, deleted: true as const };
    },
  );

  app.get(
    '/users/:id/events',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        summary: "A user's change history, newest first",
        description: '`after` pages to older events, `before` to newer ones (still listed newest first).',
        params: UserIdParams,
        querystring: EventPageQuery,
        response: { 200: ListOf(EventSchema), ...v1Errors(400, 404) },
      },
    },
    async (request) => {
      const { limit, after, before } = request.query;
      const cursor = readCursor({ after, before }, 'evt');
      const page = await services.users.events(contextOf(request, 'v1'), request.params.id, { limit, ...cursor });
      return listPage(page, cursor, eventWire);
    },
  );
};
