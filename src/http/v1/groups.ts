/**
 * /v1/groups: groups as identity providers push them over SCIM (issue 17, item 5), readable in the
 * canonical API. Writes come through the SCIM door; reads list groups, a group's members, and a
 * user's groups, paged with cursors like /v1/users.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { groupEtag } from '../../domain/group.ts';
import { canonicalGroup } from '../../formats/canonical-group.ts';
import { canonicalUser } from '../../formats/canonical-user.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { named, Nullable, StringEnum } from '../schemas.ts';
import { cursorFields, listPage, readCursor } from './cursors.ts';
import { ListOf, UserIdParams, UserSchema, v1Errors } from './schemas.ts';

const tags = ['groups'];
const security = [{ bearer: [] }];

export const GroupSchema = named('Group', Type.Object(
  {
    id: Type.String({ description: 'grp_ followed by a lower-case ULID' }),
    object: Type.Literal('group'),
    environment: StringEnum(['live', 'test']),
    display_name: Type.String({ description: 'The name the identity provider gave the group (SCIM displayName)' }),
    external_id: Nullable(Type.String({ description: "The identity provider's id for the group (SCIM externalId); unique per environment" })),
    member_count: Type.Integer({ minimum: 0, description: 'How many users are members now' }),
    version: Type.Integer({ minimum: 1, description: 'Increases by one with every change (name, external id or members); the ETag is its quoted value' }),
    created_at: Type.String({ format: 'date-time', description: 'ISO 8601 UTC, milliseconds' }),
    updated_at: Type.String({ format: 'date-time', description: 'ISO 8601 UTC, milliseconds' }),
  },
  { additionalProperties: false },
));

const GroupIdParams = Type.Object({ id: Type.String({ description: 'The group id (grp_…)' }) });

const ListGroupsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    ...cursorFields('groups'),
    display_name: Type.Optional(Type.String({ maxLength: 256, description: 'Exact name, case-insensitive' })),
    external_id: Type.Optional(Type.String({ maxLength: 256, description: 'Exact external id' })),
  },
  { additionalProperties: false },
);

const PageQuery = (what: string) =>
  Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), ...cursorFields(what) }, { additionalProperties: false });

export const v1GroupRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/groups',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'groups_list',
        summary: 'List groups',
        description: 'In creation order, paged like /v1/users (after, before, next_cursor). display_name and external_id match exactly (the name case-insensitively).',
        querystring: ListGroupsQuery,
        response: { 200: ListOf(GroupSchema), ...v1Errors(400) },
      },
    },
    async (request) => {
      const { limit, after, before, ...filter } = request.query;
      const cursor = readCursor({ after, before }, 'grp');
      const page = await services.groups.list(contextOf(request, 'v1'), filter, { limit, ...cursor });
      return listPage(page, cursor, canonicalGroup);
    },
  );

  app.get(
    '/groups/:id',
    {
      config: { scope: 'read' },
      schema: { operationId: 'groups_get', tags, security, summary: 'Get a group', params: GroupIdParams, response: { 200: GroupSchema, ...v1Errors(404) } },
    },
    async (request, reply) => {
      const group = await services.groups.get(contextOf(request, 'v1'), request.params.id);
      return reply.header('ETag', groupEtag(group)).send(canonicalGroup(group));
    },
  );

  app.get(
    '/groups/:id/members',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'groups_members_list',
        summary: "A group's members",
        description: 'The member users in id order, paged like /v1/users.',
        params: GroupIdParams,
        querystring: PageQuery('members'),
        response: { 200: ListOf(UserSchema), ...v1Errors(400, 404) },
      },
    },
    async (request) => {
      const { limit, after, before } = request.query;
      const cursor = readCursor({ after, before }, 'usr');
      const page = await services.groups.members(contextOf(request, 'v1'), request.params.id, { limit, ...cursor });
      return listPage(page, cursor, canonicalUser);
    },
  );

  app.get(
    '/users/:id/groups',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'users_groups_list',
        summary: "A user's groups",
        description: 'The groups the user is a member of, in group id order, paged like /v1/users.',
        params: UserIdParams,
        querystring: PageQuery('groups'),
        response: { 200: ListOf(GroupSchema), ...v1Errors(400, 404) },
      },
    },
    async (request) => {
      const { limit, after, before } = request.query;
      const cursor = readCursor({ after, before }, 'grp');
      const page = await services.groups.ofUser(contextOf(request, 'v1'), request.params.id, { limit, ...cursor });
      return listPage(page, cursor, canonicalGroup);
    },
  );
};
