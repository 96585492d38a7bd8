/** Group events, and what a user delete does to the user's groups (issue 17, item 5). */
import type { GroupWithCount } from '../domain/group.ts';
import { newId } from '../domain/ids.ts';
import type { ChangeSet } from '../domain/user.ts';
import type { GroupEventType, StoreQueries } from '../store/contract.ts';
import type { RequestContext } from './context.ts';

/**
 * Appends a group event in the caller's transaction. The events table's `user_id` column holds the
 * event's subject (EVENTS-NOTE): here the group id. `snapshot` is the group after the change
 * (before it, for a deletion).
 */
export function appendGroupEvent(
  tx: StoreQueries,
  ctx: RequestContext,
  event: { type: GroupEventType; groupId: string; changes: ChangeSet; at: string; snapshot: GroupWithCount },
): Promise<void> {
  return tx.events.append({
    id: newId('evt'),
    environment: ctx.environment,
    user_id: event.groupId,
    type: event.type,
    actor: ctx.actor,
    request_id: ctx.requestId,
    door: ctx.door,
    changes: event.changes,
    created_at: event.at,
    snapshot: event.snapshot,
  });
}

/**
 * Removes a user who is being deleted from every group, in the delete's transaction (the caller
 * holds the user's lock). Each group left gets a new version and a `group.updated` event with
 * `members_removed`, so SCIM ETags and webhook receivers see the membership go.
 */
export async function leaveAllGroups(tx: StoreQueries, ctx: RequestContext, userId: string, at: string): Promise<void> {
  const groupIds = await tx.groups.groupIdsOfUser(ctx.environment, userId, { lock: true });
  for (const groupId of groupIds) {
    const group = await tx.groups.findById(ctx.environment, groupId);
    if (!group) continue;
    const version = group.version + 1;
    await tx.groups.removeMembers(groupId, [userId]);
    await tx.groups.update(ctx.environment, groupId, group.version, { version, updated_at: at });
    const after: GroupWithCount = { ...group, version, updated_at: at, member_count: group.member_count - 1 };
    await appendGroupEvent(tx, ctx, { type: 'group.updated', groupId, changes: { members_removed: { previous: [userId], current: null } }, at, snapshot: after });
  }
}
