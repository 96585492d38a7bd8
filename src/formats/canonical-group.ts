/** The canonical group as Userplane's own wire shows it: the /v1 door and the standard webhook payload. */
import type { GroupWithCount } from '../domain/group.ts';

export function canonicalGroup(group: GroupWithCount) {
  return {
    id: group.id,
    object: 'group' as const,
    environment: group.environment,
    display_name: group.display_name,
    external_id: group.external_id,
    member_count: group.member_count,
    version: group.version,
    created_at: group.created_at,
    updated_at: group.updated_at,
  };
}
