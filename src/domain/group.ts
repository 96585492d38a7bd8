/**
 * Groups (issue 17, item 5): a named set of users of one environment, pushed by identity
 * providers over SCIM and readable on /v1. A group has no profile beyond its name and the
 * provider's id for it; members are users of the same environment.
 */
import { addFieldError, emptyFieldErrors, ValidationError, type FieldErrors } from './errors.ts';
import type { Environment } from './user.ts';

export interface Group {
  id: string;
  environment: Environment;
  display_name: string;
  external_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

/** A group as read: with how many members it has now. */
export interface GroupWithCount extends Group {
  member_count: number;
}

export const DISPLAY_NAME_MAX = 256;
export const GROUP_EXTERNAL_ID_MAX = 256;
/** Member ids one write may name (Entra sends members in chunks far below this). */
export const MEMBERS_PER_WRITE_MAX = 10_000;

/**
 * A change to a group. `members` replaces the whole member list; `add_members` and
 * `remove_members` apply after it. Removing a user who is not a member changes nothing (identity
 * providers send removals for users already gone); adding one who is, the same.
 */
export interface GroupPatch {
  display_name?: string;
  external_id?: string | null;
  members?: readonly string[];
  add_members?: readonly string[];
  remove_members?: readonly string[];
}

/** A new group: the name is required, members may be given at once (Entra creates empty groups). */
export interface GroupInput {
  display_name: string;
  external_id?: string | null;
  members?: readonly string[];
}

const USER_ID = /^usr_[0-9a-z]{26}$/;

/** Checks the fields a patch sets; throws ValidationError naming every bad one. */
export function checkGroupPatch(patch: GroupPatch): void {
  const details: FieldErrors = emptyFieldErrors();
  if (patch.display_name !== undefined) {
    const name = patch.display_name;
    if (typeof name !== 'string' || name.trim() === '') addFieldError(details, 'display_name', 'Is required and must not be blank');
    else if (name.length > DISPLAY_NAME_MAX) addFieldError(details, 'display_name', `Must be at most ${DISPLAY_NAME_MAX} characters`);
    else if (name.includes('\u0000')) addFieldError(details, 'display_name', 'Must not contain NUL characters');
  }
  if (patch.external_id !== undefined && patch.external_id !== null) {
    const id = patch.external_id;
    if (typeof id !== 'string' || id === '') addFieldError(details, 'external_id', 'Must be a non-empty string or null');
    else if (id.length > GROUP_EXTERNAL_ID_MAX) addFieldError(details, 'external_id', `Must be at most ${GROUP_EXTERNAL_ID_MAX} characters`);
    else if (id.includes('\u0000')) addFieldError(details, 'external_id', 'Must not contain NUL characters');
  }
  for (const field of ['members', 'add_members', 'remove_members'] as const) {
    const ids = patch[field];
    if (ids === undefined) continue;
    if (ids.length > MEMBERS_PER_WRITE_MAX) {
      addFieldError(details, field, `At most ${MEMBERS_PER_WRITE_MAX} member ids per request; send the rest in another`);
      continue;
    }
    const malformed = ids.filter((id) => typeof id !== 'string' || !USER_ID.test(id));
    if (malformed.length > 0) addFieldError(details, field, `Not user ids (usr_…): ${preview(malformed)}`);
  }
  if (Object.keys(details).length > 0) throw new ValidationError(details);
}

/** The first few values of a list, for an error message that must stay short. */
export function preview(values: readonly unknown[], max = 10): string {
  const shown = values.slice(0, max).map((v) => JSON.stringify(v)).join(', ');
  return values.length > max ? `${shown} and ${values.length - max} more` : shown;
}

/** Display names compare case-insensitively (SCIM's Group displayName is caseExact false). */
export function normalizeDisplayName(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

export function groupEtag(group: Pick<Group, 'version'>): string {
  return `"${group.version}"`;
}
