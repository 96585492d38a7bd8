/**
 * The edit form as data: which fields, how a user becomes form values and back, and how an edit
 * survives a newer version of the user arriving (someone else saved meanwhile). Pure functions.
 */
import type { FieldErrors, User } from './types.ts';

export type TextField = Exclude<EditableField, 'email_verified' | 'active' | 'metadata'>;
export type EditableField =
  | 'email' | 'email_verified' | 'username' | 'external_id'
  | 'first_name' | 'last_name' | 'name'
  | 'role' | 'organization' | 'title' | 'locale' | 'country' | 'phone' | 'birthday'
  | 'location' | 'regions' | 'twitter' | 'avatar_url' | 'bio'
  | 'active' | 'last_seen_at' | 'last_typed_at' | 'metadata';

export interface FieldDef {
  name: EditableField;
  label: string;
  kind: 'text' | 'email' | 'url' | 'tel' | 'textarea' | 'checkbox' | 'json';
  hint?: string;
  wide?: boolean;
}

export const FIELD_GROUPS: Array<{ title: string; fields: FieldDef[]; checks?: boolean }> = [
  {
    title: 'Identity',
    fields: [
      { name: 'email', label: 'Email', kind: 'email' },
      { name: 'username', label: 'Username', kind: 'text' },
      { name: 'external_id', label: 'External id', kind: 'text' },
      { name: 'role', label: 'Role', kind: 'text' },
    ],
  },
  {
    title: 'Status',
    checks: true,
    fields: [
      { name: 'email_verified', label: 'Email verified', kind: 'checkbox' },
      { name: 'active', label: 'Active', kind: 'checkbox' },
    ],
  },
  {
    title: 'Name',
    fields: [
      { name: 'first_name', label: 'First name', kind: 'text' },
      { name: 'last_name', label: 'Last name', kind: 'text' },
      { name: 'name', label: 'Display name', kind: 'text' },
    ],
  },
  {
    title: 'Profile',
    fields: [
      { name: 'organization', label: 'Organization', kind: 'text' },
      { name: 'title', label: 'Title', kind: 'text' },
      { name: 'phone', label: 'Phone', kind: 'tel', hint: 'E.164, e.g. +14155550123' },
      { name: 'locale', label: 'Locale', kind: 'text', hint: 'BCP 47, e.g. en-US' },
      { name: 'country', label: 'Country', kind: 'text', hint: 'ISO 3166-1 alpha-2, e.g. DE' },
      { name: 'birthday', label: 'Birthday', kind: 'text', hint: 'YYYY-MM-DD' },
      { name: 'location', label: 'Location', kind: 'text' },
      { name: 'regions', label: 'Regions', kind: 'text' },
      { name: 'twitter', label: 'Twitter', kind: 'text' },
      { name: 'avatar_url', label: 'Avatar URL', kind: 'url', wide: true },
      { name: 'bio', label: 'Bio', kind: 'textarea', wide: true },
    ],
  },
  {
    title: 'Activity',
    fields: [
      { name: 'last_seen_at', label: 'Last seen at', kind: 'text', hint: 'ISO 8601 with time zone' },
      { name: 'last_typed_at', label: 'Last typed at', kind: 'text', hint: 'ISO 8601 with time zone' },
    ],
  },
  {
    title: 'Metadata',
    fields: [{ name: 'metadata', label: 'Metadata (JSON object)', kind: 'json', wide: true, hint: 'Removing a key deletes it' }],
  },
];

export const EDITABLE_FIELDS: EditableField[] = FIELD_GROUPS.flatMap((g) => g.fields.map((f) => f.name));

/** Form values: text as typed ('' stands for null), checkboxes as booleans, metadata as JSON text. */
export type Draft = Record<EditableField, string | boolean>;

export function toDraft(user: User): Draft {
  const draft = {} as Draft;
  for (const field of EDITABLE_FIELDS) {
    const value = user[field];
    if (field === 'metadata') draft[field] = JSON.stringify(value, null, 2);
    else if (typeof value === 'boolean') draft[field] = value;
    else draft[field] = typeof value === 'string' ? value : '';
  }
  return draft;
}

/** The field's value as the API would take it; undefined for metadata that is not valid JSON. */
function valueOf(field: EditableField, draft: Draft): unknown {
  const raw = draft[field];
  if (typeof raw === 'boolean') return raw;
  if (field === 'metadata') {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  return raw === '' ? null : raw;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The RFC 7396 merge patch that turns `from` into `to`: removed keys become null. */
export function mergePatch(from: Record<string, unknown>, to: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const before = from[key];
    if (isObject(before) && isObject(value)) {
      const inner = mergePatch(before, value);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (!sameValue(before, value)) {
      patch[key] = value;
    }
  }
  return patch;
}

/** Only the fields the form changed, in the API's terms; or client-side errors (metadata JSON). */
export function patchFrom(base: User, draft: Draft): { patch: Record<string, unknown>; errors: FieldErrors } {
  const patch: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const field of EDITABLE_FIELDS) {
    const value = valueOf(field, draft);
    if (field === 'metadata') {
      if (!isObject(value)) {
        errors.metadata = ['Must be a JSON object, e.g. {"plan": "pro"}'];
        continue;
      }
      const diff = mergePatch(base.metadata, value);
      if (Object.keys(diff).length > 0) patch.metadata = diff;
    } else if (!sameValue(value, base[field])) {
      patch[field] = value;
    }
  }
  return { patch, errors };
}

export interface FieldChange {
  field: EditableField;
  before: unknown;
  after: unknown;
}

/**
 * Moves an edit onto a newer version of the user: fields the form left alone take the new values,
 * fields it edited keep the edit. Returns what changed between the two versions, to show.
 */
export function rebase(oldBase: User, newBase: User, draft: Draft): { draft: Draft; changed: FieldChange[] } {
  const untouched = toDraft(oldBase);
  const fresh = toDraft(newBase);
  const next = { ...draft };
  const changed: FieldChange[] = [];
  for (const field of EDITABLE_FIELDS) {
    if (!sameValue(oldBase[field], newBase[field])) changed.push({ field, before: oldBase[field], after: newBase[field] });
    if (draft[field] === untouched[field]) next[field] = fresh[field];
  }
  return { draft: next, changed };
}

export function labelOf(field: string): string {
  for (const group of FIELD_GROUPS) for (const f of group.fields) if (f.name === field) return f.label;
  return field;
}
