/**
 * SCIM Group (RFC 7643 §4.2) ⇄ the canonical group: displayName ⇄ display_name, externalId ⇄
 * external_id, members[].value ⇄ member user ids. Members are users only (a nested group is refused).
 * Also the group filters IdPs send, and the users a PatchOp may add.
 */
import type { FilterNode } from '../../domain/filter.ts';
import type { GroupInput, GroupPatch, GroupWithCount } from '../../domain/group.ts';
import type { GroupFilter } from '../../store/contract.ts';
import { ScimError } from './errors.ts';
import type { PatchOperation } from './patch.ts';
import { SCHEMAS } from './schema.ts';
import { etagOf } from './wire.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The group as SCIM shows it; `members` null leaves them out (excludedAttributes=members: not even read). */
export function toScimGroup(group: GroupWithCount, members: readonly string[] | null, location: string, userLocation: (id: string) => string): Json {
  return {
    schemas: [SCHEMAS.group],
    id: group.id,
    ...(group.external_id !== null ? { externalId: group.external_id } : {}),
    displayName: group.display_name,
    ...(members !== null ? { members: members.map((id) => ({ value: id, $ref: userLocation(id), type: 'User' })) } : {}),
    meta: { resourceType: 'Group', created: group.created_at, lastModified: group.updated_at, location, version: etagOf(group.version) },
  };
}

function key(object: Json, name: string): string | undefined {
  return Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
}

/** The user ids of a members value: a list of {value} (Entra adds "$ref": null, Okta "display"). */
export function memberIdsOf(value: unknown, where = 'members'): string[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry, index) => {
    const v = isObject(entry) ? entry[key(entry, 'value') ?? 'value'] : entry;
    if (typeof v !== 'string' || v === '') throw new ScimError('invalidValue', `${where}[${index}] needs "value": the id of a user (see /scim/v2/Users)`);
    if (isObject(entry)) {
      const type = entry[key(entry, 'type') ?? 'type'];
      if (typeof type === 'string' && type.toLowerCase() !== 'user') throw new ScimError('invalidValue', `${where}[${index}]: members are users; a ${type} cannot be a member`);
    }
    return v;
  });
}

const KNOWN = new Set(['schemas', 'id', 'meta', 'displayname', 'externalid', 'members']);

/** A POST or PUT body as the group it describes. Attributes Group does not have are a 400, never dropped. */
export function fromScimGroup(body: unknown): GroupInput {
  if (!isObject(body)) throw new ScimError('invalidSyntax', 'The body must be a SCIM Group: {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "…"}');
  const unknown = Object.keys(body).filter((k) => !KNOWN.has(k.toLowerCase()));
  if (unknown.length > 0) throw new ScimError('invalidValue', `Group has no attribute ${unknown.map((k) => `"${k}"`).join(', ')}: it has displayName, externalId and members (see /scim/v2/Schemas)`);
  const displayName = body[key(body, 'displayName') ?? 'displayName'];
  if (typeof displayName !== 'string' || displayName.trim() === '') throw new ScimError('invalidValue', 'displayName is required: a non-blank string');
  const externalId = body[key(body, 'externalId') ?? 'externalId'];
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') throw new ScimError('invalidValue', 'externalId must be a string');
  return { display_name: displayName, external_id: externalId ?? null, members: memberIdsOf(body[key(body, 'members') ?? 'members']) };
}

/** The canonical patch that makes the group what a patched document says (a full replace of it). */
export function patchFromDocument(doc: Json): GroupPatch {
  const input = fromScimGroup(doc);
  return { display_name: input.display_name, external_id: input.external_id ?? null, members: input.members ?? [] };
}

/** The user ids a PatchOp may add (add or replace on members, with or without a path), to lock first. */
export function addedMemberIds(operations: readonly PatchOperation[]): string[] {
  const ids: string[] = [];
  for (const operation of operations) {
    if (operation.op === 'remove') continue;
    if (operation.path !== undefined) {
      if (/^members$/i.test(operation.path.trim())) ids.push(...memberIdsOf(operation.value).filter((v) => typeof v === 'string'));
    } else if (isObject(operation.value)) {
      const k = key(operation.value, 'members');
      if (k !== undefined) ids.push(...memberIdsOf(operation.value[k]));
    }
  }
  return ids;
}

const FILTERABLE = 'Groups filter with eq on displayName, externalId, id or members (members.value, members[value eq "…"]), joined with and';

/**
 * The store filter of a SCIM group filter. IdPs send `displayName eq "…"`, `externalId eq "…"` and
 * Entra's membership check `id eq "…" and members eq "…"`; that (eq joined with and) is what is
 * served. Null: the filter can match nothing (the same attribute equal to two values).
 */
export function groupFilterOf(node: FilterNode): GroupFilter | null {
  const filter: GroupFilter = {};
  let impossible = false;
  const set = (field: keyof GroupFilter, value: string) => {
    if (filter[field] !== undefined && (field === 'display_name' ? filter[field]!.toLowerCase() !== value.toLowerCase() : filter[field] !== value)) impossible = true;
    filter[field] = value;
  };
  const walk = (n: FilterNode): void => {
    if (n.op === 'and') {
      walk(n.left);
      walk(n.right);
      return;
    }
    if (n.op === 'has') {
      // members[value eq "…"]
      if (n.path.name.toLowerCase() === 'members' && n.filter.op === 'eq' && n.filter.path.name.toLowerCase() === 'value' && typeof n.filter.value === 'string') {
        set('member', n.filter.value);
        return;
      }
      throw new ScimError('invalidFilter', `Invalid filter: ${FILTERABLE}`);
    }
    if (n.op !== 'eq' || typeof n.value !== 'string' || n.path.filter) throw new ScimError('invalidFilter', `Invalid filter: ${FILTERABLE}`);
    if (n.path.schema && n.path.schema.toLowerCase() !== SCHEMAS.group.toLowerCase()) throw new ScimError('invalidFilter', `Invalid filter: ${n.path.schema} is not the Group schema`);
    const name = n.path.name.toLowerCase() + (n.path.sub !== undefined ? `.${n.path.sub.toLowerCase()}` : '');
    switch (name) {
      case 'displayname':
        return set('display_name', n.value);
      case 'externalid':
        return set('external_id', n.value);
      case 'id':
        return set('id', n.value);
      case 'members':
      case 'members.value':
        return set('member', n.value);
      default:
        throw new ScimError('invalidFilter', `Invalid filter: ${FILTERABLE}; not "${n.path.name}"`);
    }
  };
  walk(node);
  return impossible ? null : filter;
}
