/**
 * The group use cases (issue 17, item 5). Each write is one transaction with one group event.
 * Locks are always taken users first, then groups (each set in id order): a group write holds its
 * members-to-be against deletion, and a user delete holds the user, then the groups it leaves, so
 * the two never wait on each other in a cycle.
 */
import { NotFoundError, PreconditionFailedError, ValidationError } from '../domain/errors.ts';
import { checkGroupPatch, preview, type Group, type GroupInput, type GroupPatch, type GroupWithCount } from '../domain/group.ts';
import { newId } from '../domain/ids.ts';
import type { ChangeSet, User } from '../domain/user.ts';
import type { GroupFilter, ListPage, Store, StoreQueries, UserListOptions } from '../store/contract.ts';
import type { Clock, RequestContext } from './context.ts';
import { appendGroupEvent } from './group-events.ts';
import { publicUser } from './stored-user.ts';


/** A patch, or a function of the locked group and its member ids (SCIM PATCH) that returns one. */
export type GroupUpdate = GroupPatch | ((current: GroupWithCount, members: ReadonlySet<string>) => GroupPatch);

export interface GroupUpdateOptions {
  /** Versions the caller's If-Match accepts; a group at any other version is not written (412). */
  expectedVersions?: readonly number[];
  /**
   * With a function patch: the user ids it may add, locked before the group (see the lock order
   * above). Ids it adds beyond these are still checked and locked, only later.
   */
  users?: readonly string[];
}

export interface GroupUpdateResult {
  group: GroupWithCount;
  /** False when the patch changed nothing (no new version, no event). */
  changed: boolean;
}

const unique = (ids: readonly string[] | undefined): string[] => [...new Set(ids ?? [])];

export function createGroupService(store: Store, options: { clock: Clock }) {
  /** Locks the users, or throws ValidationError naming those that are no users of the environment. */
  async function lockMembers(tx: StoreQueries, ctx: RequestContext, ids: readonly string[], field: string): Promise<void> {
    if (ids.length === 0) return;
    const found = await tx.groups.existingUserIds(ctx.environment, ids, { lock: true });
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw ValidationError.field(field, `No users with these ids in the ${ctx.environment} environment: ${preview(missing)}`);
  }

  async function findGroup(queries: StoreQueries, ctx: RequestContext, id: string, lock = false): Promise<GroupWithCount> {
    const group = await queries.groups.findById(ctx.environment, id, { lock });
    if (!group) throw new NotFoundError('group', id);
    return group;
  }

  return {
    async create(ctx: RequestContext, input: GroupInput): Promise<GroupWithCount> {
      if (typeof input.display_name !== 'string') throw ValidationError.field('display_name', 'Is required');
      checkGroupPatch(input);
      const members = unique(input.members);
      const now = options.clock().toISOString();
      const group: Group = {
        id: newId('grp'),
        environment: ctx.environment,
        display_name: input.display_name,
        external_id: input.external_id ?? null,
        version: 1,
        created_at: now,
        updated_at: now,
      };
      return store.transaction(async (tx) => {
        await lockMembers(tx, ctx, members, 'members');
        await tx.groups.insert(group);
        if (members.length > 0) await tx.groups.addMembers(group.id, members, now);
        const created = { ...group, member_count: members.length };
        const changes: ChangeSet = { display_name: { previous: null, current: group.display_name } };
        if (group.external_id !== null) changes.external_id = { previous: null, current: group.external_id };
        if (members.length > 0) changes.members_added = { previous: null, current: [...members].sort() };
        await appendGroupEvent(tx, ctx, { type: 'group.created', groupId: group.id, changes, at: now, snapshot: created });
        return created;
      });
    },

    get: (ctx: RequestContext, id: string): Promise<GroupWithCount> => findGroup(store, ctx, id),

    /** The group and every member's id (SCIM shows members inline). */
    async withMemberIds(ctx: RequestContext, id: string): Promise<{ group: GroupWithCount; members: string[] }> {
      const group = await findGroup(store, ctx, id);
      return { group, members: await store.groups.memberIds(id) };
    },

    list: (ctx: RequestContext, filter: GroupFilter, page: UserListOptions): Promise<ListPage<GroupWithCount>> => store.groups.list(ctx.environment, filter, page),

    /** An offset page of the filtered groups and their total (SCIM's startIndex/count). */
    query: (ctx: RequestContext, filter: GroupFilter, page: { offset: number; limit: number }) => store.groups.query(ctx.environment, filter, page),

    /** Every member's id for each of these groups (SCIM lists show members inline). */
    memberIdsOf: (groupIds: readonly string[]): Promise<Map<string, string[]>> => store.groups.memberIdsOfGroups(groupIds),

    /** One page of the group's members; NotFoundError when there is no such group. */
    async members(ctx: RequestContext, id: string, page: UserListOptions): Promise<ListPage<User>> {
      await findGroup(store, ctx, id);
      const result = await store.groups.members(ctx.environment, id, page);
      return { items: result.items.map(publicUser), hasMore: result.hasMore };
    },

    /** One page of the user's groups; NotFoundError when there is no such user. */
    async ofUser(ctx: RequestContext, userId: string, page: UserListOptions): Promise<ListPage<GroupWithCount>> {
      if (!(await store.users.findById(ctx.environment, userId))) throw new NotFoundError('user', userId);
      return store.groups.listForUser(ctx.environment, userId, page);
    },

    async update(ctx: RequestContext, id: string, update: GroupUpdate, opts: GroupUpdateOptions = {}): Promise<GroupUpdateResult> {
      if (typeof update !== 'function') checkGroupPatch(update);
      return store.transaction(async (tx) => {
        // Users first: those the patch adds (or the caller says a function patch may add).
        const named = typeof update === 'function' ? unique(opts.users) : unique([...(update.members ?? []), ...(update.add_members ?? [])]);
        const lockedUsers = new Set(named);
        // Bad ids are reported under the field that named them, after the group is known to exist.
        const existing = named.length > 0 ? await tx.groups.existingUserIds(ctx.environment, named, { lock: true }) : new Set<string>();
        const current = await findGroup(tx, ctx, id, true);
        if (opts.expectedVersions && !opts.expectedVersions.includes(current.version)) throw new PreconditionFailedError(current.version, 'The group changed since the given ETag; fetch it again and retry');
        const members = new Set(await tx.groups.memberIds(id));
        const patch = typeof update === 'function' ? update(current, members) : update;
        if (typeof update === 'function') checkGroupPatch(patch);

        for (const field of ['members', 'add_members'] as const) {
          const ids = unique(patch[field]);
          const late = ids.filter((u) => !lockedUsers.has(u));
          if (late.length > 0) {
            for (const u of await tx.groups.existingUserIds(ctx.environment, late, { lock: true })) existing.add(u);
            for (const u of late) lockedUsers.add(u);
          }
          const missing = ids.filter((u) => !existing.has(u));
          if (missing.length > 0) throw ValidationError.field(field, `No users with these ids in the ${ctx.environment} environment: ${preview(missing)}`);
        }

        // The member list the patch asks for: replace, then add, then remove.
        const target = patch.members !== undefined ? new Set(patch.members) : new Set(members);
        for (const u of patch.add_members ?? []) target.add(u);
        for (const u of patch.remove_members ?? []) target.delete(u);
        const added = [...target].filter((u) => !members.has(u)).sort();
        const removed = [...members].filter((u) => !target.has(u)).sort();

        const changes: ChangeSet = {};
        const fields: Partial<Pick<Group, 'display_name' | 'external_id'>> = {};
        if (patch.display_name !== undefined && patch.display_name !== current.display_name) {
          fields.display_name = patch.display_name;
          changes.display_name = { previous: current.display_name, current: patch.display_name };
        }
        if (patch.external_id !== undefined && patch.external_id !== current.external_id) {
          fields.external_id = patch.external_id;
          changes.external_id = { previous: current.external_id, current: patch.external_id };
        }
        if (added.length > 0) changes.members_added = { previous: null, current: added };
        if (removed.length > 0) changes.members_removed = { previous: removed, current: null };
        if (Object.keys(changes).length === 0) return { group: current, changed: false };

        const updated_at = options.clock().toISOString();
        const version = current.version + 1;
        // The row is locked, so a miss means it vanished under us.
        if (!(await tx.groups.update(ctx.environment, id, current.version, { ...fields, version, updated_at }))) throw new NotFoundError('group', id);
        if (removed.length > 0) await tx.groups.removeMembers(id, removed);
        if (added.length > 0) await tx.groups.addMembers(id, added, updated_at);
        const after: GroupWithCount = { ...current, ...fields, version, updated_at, member_count: target.size };
        await appendGroupEvent(tx, ctx, { type: 'group.updated', groupId: id, changes, at: updated_at, snapshot: after });
        return { group: after, changed: true };
      });
    },

    /** Deletes the group and its memberships (the users stay). Returns the group as it was. */
    async delete(ctx: RequestContext, id: string, opts: { expectedVersions?: readonly number[] } = {}): Promise<GroupWithCount> {
      return store.transaction(async (tx) => {
        const current = await findGroup(tx, ctx, id, true);
        if (opts.expectedVersions && !opts.expectedVersions.includes(current.version)) throw new PreconditionFailedError(current.version, 'The group changed since the given ETag; fetch it again and retry');
        await tx.groups.delete(ctx.environment, id);
        const changes: ChangeSet = { display_name: { previous: current.display_name, current: null } };
        if (current.external_id !== null) changes.external_id = { previous: current.external_id, current: null };
        await appendGroupEvent(tx, ctx, { type: 'group.deleted', groupId: id, changes, at: options.clock().toISOString(), snapshot: current });
        return current;
      });
    },
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
