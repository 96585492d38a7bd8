/**
 * A canonical group as a WorkOS Directory Group, for the WorkOS webhook format: WorkOS's Directory
 * Sync sends `dsync.group.created|updated|deleted` with this object, and @workos-inc/node's
 * `webhooks.constructEvent` reads it (deserializeDirectoryGroup). Userplane has no directories or
 * organizations, so those ids are null.
 */
import type { GroupWithCount } from '../domain/group.ts';
import type { JsonValue } from '../domain/user.ts';

export function workosDirectoryGroup(group: GroupWithCount, previous?: Record<string, JsonValue>) {
  return {
    object: 'directory_group' as const,
    id: group.id,
    idp_id: group.external_id ?? '',
    directory_id: null,
    organization_id: null,
    name: group.display_name,
    created_at: group.created_at,
    updated_at: group.updated_at,
    raw_attributes: {},
    ...(previous ? { previous_attributes: previous } : {}),
  };
}
