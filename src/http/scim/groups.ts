/**
 * /scim/v2/Groups (RFC 7644 §3) over the group service, in the shapes Entra ID and Okta send:
 * Entra creates groups with empty members, matches them with `displayName eq "…"` and
 * `excludedAttributes=members`, and changes members with PATCH (`"Add"`/`"Remove"` with a value
 * list, or `remove` with `members[value eq "…"]`), expecting 204; Okta's group push PUTs the whole
 * group. A PATCH is applied to the group as it is inside the write's transaction: one PatchOp,
 * one version, one event.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ConflictError, ValidationError, type FieldErrors } from '../../domain/errors.ts';
import type { GroupInput, GroupPatch, GroupWithCount } from '../../domain/group.ts';
import type { GroupUpdate } from '../../services/group-service.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { ScimError } from './errors.ts';
import { addedMemberIds, fromScimGroup, groupFilterOf, patchFromDocument, toScimGroup } from './group-mapping.ts';
import { BULK_HANDLERS } from './bulk.ts';
import { applyPatch, readPatchOp, type PatchOperation } from './patch.ts';
import { GROUP_RESOURCE, SCHEMAS } from './schema.ts';
import { userLocation } from './users.ts';
import { normalizeResource } from './user-mapping.ts';
import { etagOf, filterOf, IdParams, ifMatchVersions, listResponse, ListQuery, locationOf, pagingOf, project, ProjectionQuery, SCIM_CONSUMES, SCIM_PRODUCES, scimErrors } from './wire.ts';
import { ScimGroupSchema, ScimListResponseSchema, ScimPatchOpSchema } from './schemas.ts';

const tags = ['scim'];
const security = [{ bearer: [] }];
const GROUP_SCHEMAS = [SCHEMAS.group];

/** The canonical field names of the service's errors, as this resource calls them. */
const WIRE: Record<string, string> = { display_name: 'displayName', external_id: 'externalId', members: 'members', add_members: 'members', remove_members: 'members' };

/** Runs a service call, saying what went wrong in SCIM's attribute names. */
async function inScimTerms<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError) {
      const details: FieldErrors = {};
      for (const [field, messages] of Object.entries(error.details)) details[WIRE[field] ?? field] = messages;
      throw new ValidationError(details, error.message);
    }
    if (error instanceof ConflictError && error.field === 'external_id') throw new ScimError('uniqueness', 'Another group has this externalId; externalId is unique among groups', 409);
    throw error;
  }
}

/** Whether a projection shows members: a large group's members are not even read when not. */
function wantsMembers(query: { attributes?: string; excludedAttributes?: string }): boolean {
  const names = (text?: string) => (text ?? '').split(',').map((s) => s.trim().toLowerCase().replace(/^.*:/, '').split('.')[0]);
  if (names(query.excludedAttributes).includes('members')) return false;
  return query.attributes === undefined || query.attributes.trim() === '' || names(query.attributes).includes('members');
}

/** A PUT body's group as a full replace: externalId and members left out are cleared. */
function replaceOf(input: GroupInput): GroupPatch {
  return { display_name: input.display_name, external_id: input.external_id ?? null, members: input.members ?? [] };
}

/** A PatchOp as a function of the locked group: the patched document, as a full replace. */
function patchOf(operations: readonly PatchOperation[], location: (group: GroupWithCount) => string, userLocation: (id: string) => string): GroupUpdate {
  return (current, members) => {
    const before = normalizeResource(toScimGroup(current, [...members].sort(), location(current), userLocation), GROUP_RESOURCE);
    return patchFromDocument(applyPatch(before, operations, GROUP_RESOURCE));
  };
}

// POST /Bulk carries group operations too (bulkId references to groups and to users created before).
BULK_HANDLERS.push({
  endpoint: '/Groups',
  async run(step, { ctx, services }) {
    const opts = { expectedVersions: step.expectedVersions };
    switch (step.method) {
      case 'POST': {
        const group = await inScimTerms(() => services.groups.create(ctx, fromScimGroup(step.data)));
        return { status: 201, id: group.id, version: group.version };
      }
      case 'PUT': {
        const { group } = await inScimTerms(() => services.groups.update(ctx, step.id!, replaceOf(fromScimGroup(step.data)), opts));
        return { status: 200, id: group.id, version: group.version };
      }
      case 'PATCH': {
        const operations = readPatchOp(step.data);
        const { group } = await inScimTerms(() => services.groups.update(ctx, step.id!, patchOf(operations, () => '', () => ''), { ...opts, users: addedMemberIds(operations) }));
        return { status: 200, id: group.id, version: group.version };
      }
      case 'DELETE':
        await services.groups.delete(ctx, step.id!, opts);
        return { status: 204, id: step.id! };
    }
  },
});

export const scimGroupRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const groupLocation = (request: FastifyRequest, id: string) => locationOf(request, '/Groups', id);
  const show = (request: FastifyRequest, group: GroupWithCount, members: readonly string[] | null) =>
    toScimGroup(group, members, groupLocation(request, group.id), (id) => userLocation(request, id));
  /** The group as a response shows it, members read unless the projection leaves them out. */
  async function shown(request: FastifyRequest, group: GroupWithCount, query: { attributes?: string; excludedAttributes?: string }) {
    const members = wantsMembers(query) ? await services.groups.memberIdsOf([group.id]).then((m) => m.get(group.id) ?? []) : null;
    return project(show(request, group, members), query, GROUP_SCHEMAS);
  }

  app.get(
    '/Groups',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'scim_groups_list',
        produces: SCIM_PRODUCES,
        summary: 'List or filter groups (SCIM)',
        description:
          'filter: eq on displayName (case-insensitive), externalId, id or members, joined with and (what Entra and Okta send); startIndex, count (at most 200), ' +
          'attributes, excludedAttributes (excludedAttributes=members skips reading them). A filter that matches nothing is a 200 with totalResults 0.',
        querystring: ListQuery,
        response: { 200: ScimListResponseSchema, ...scimErrors() },
      },
    },
    async (request) => {
      const paging = pagingOf(request.query);
      const parsed = filterOf(request.query.filter);
      const filter = parsed ? groupFilterOf(parsed) : {};
      if (filter === null) return listResponse([], 0, paging);
      const { items, total } = await services.groups.query(contextOf(request, 'scim'), filter, { offset: paging.startIndex - 1, limit: paging.count });
      const members = wantsMembers(request.query) ? await services.groups.memberIdsOf(items.map((g) => g.id)) : null;
      return listResponse(
        items.map((group) => project(show(request, group, members ? (members.get(group.id) ?? []) : null), request.query, GROUP_SCHEMAS)),
        total,
        paging,
      );
    },
  );

  app.get(
    '/Groups/:id',
    {
      config: { scope: 'read' },
      schema: { operationId: 'scim_groups_get', tags, security, produces: SCIM_PRODUCES, summary: 'Get a group (SCIM)', params: IdParams, querystring: ProjectionQuery, response: { 200: ScimGroupSchema, ...scimErrors(404) } },
    },
    async (request, reply) => {
      const group = await services.groups.get(contextOf(request, 'scim'), request.params.id);
      return reply.header('ETag', etagOf(group.version)).send(await shown(request, group, request.query));
    },
  );

  app.post(
    '/Groups',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'scim_groups_create',
        consumes: SCIM_CONSUMES, produces: SCIM_PRODUCES,
        summary: 'Create a group (SCIM)',
        description: 'displayName is required (it need not be unique); externalId is unique among groups (409 uniqueness); members, if any, must be users of the environment.',
        body: ScimGroupSchema,
        response: { 201: ScimGroupSchema, ...scimErrors(409, 413, 415) },
      },
    },
    async (request, reply) => {
      const input = fromScimGroup(request.body);
      const group = await inScimTerms(() => services.groups.create(contextOf(request, 'scim'), input));
      const members = [...new Set(input.members ?? [])].sort();
      return reply.code(201).header('Location', groupLocation(request, group.id)).header('ETag', etagOf(group.version)).send(show(request, group, members));
    },
  );

  app.put(
    '/Groups/:id',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'scim_groups_replace',
        consumes: SCIM_CONSUMES, produces: SCIM_PRODUCES,
        summary: 'Replace a group (SCIM)',
        description: 'A full replace (Okta group push): displayName, externalId (cleared when left out) and the whole member list. If-Match (weak or strong) is checked.',
        params: IdParams,
        body: ScimGroupSchema,
        response: { 200: ScimGroupSchema, ...scimErrors(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const input = fromScimGroup(request.body);
      const { group } = await inScimTerms(() => services.groups.update(contextOf(request, 'scim'), request.params.id, replaceOf(input), { expectedVersions: ifMatchVersions(request) }));
      return reply.header('ETag', etagOf(group.version)).send(await shown(request, group, {}));
    },
  );

  app.patch(
    '/Groups/:id',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'scim_groups_patch',
        consumes: SCIM_CONSUMES, produces: SCIM_PRODUCES,
        summary: 'Patch a group (SCIM PatchOp)',
        description:
          'Members: add/"Add" with a value list, remove/"Remove" with a value list, remove with members[value eq "…"], replace (the whole list), remove of members (all). ' +
          'displayName and externalId: replace with or without a path. Adding a member twice or removing a non-member changes nothing. ' +
          'Answers 204 (what Entra expects); with attributes or excludedAttributes in the query, 200 and the group.',
        params: IdParams,
        querystring: ProjectionQuery,
        body: ScimPatchOpSchema,
        response: { 200: ScimGroupSchema, 204: Type.Null({ description: 'Patched' }), ...scimErrors(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const operations = readPatchOp(request.body);
      const { group } = await inScimTerms(() =>
        services.groups.update(
          contextOf(request, 'scim'),
          request.params.id,
          patchOf(operations, (group) => groupLocation(request, group.id), (id) => userLocation(request, id)),
          { expectedVersions: ifMatchVersions(request), users: addedMemberIds(operations) },
        ),
      );
      reply.header('ETag', etagOf(group.version));
      const { attributes, excludedAttributes } = request.query;
      if (attributes === undefined && excludedAttributes === undefined) return reply.code(204).send(null);
      return reply.send(await shown(request, group, request.query));
    },
  );

  app.delete(
    '/Groups/:id',
    {
      config: { scope: 'write' },
      schema: { operationId: 'scim_groups_delete', tags, security, produces: SCIM_PRODUCES, summary: 'Delete a group (SCIM)', description: 'Its members stay users.', params: IdParams, response: { 204: Type.Null({ description: 'Deleted' }), ...scimErrors(404, 412) } },
    },
    async (request, reply) => {
      await services.groups.delete(contextOf(request, 'scim'), request.params.id, { expectedVersions: ifMatchVersions(request) });
      return reply.code(204).send(null);
    },
  );
};
