/**
 * PATCH (RFC 7644 §3.5.2) applied to a resource's SCIM document, in both IdP dialects: op names in
 * any case ("Replace"), booleans as "True"/"False", path-less values whose keys are dotted
 * (`name.givenName`) or URN-qualified, value-filter paths (`emails[type eq "work"].value`) that
 * create the entry when none matches (Entra), and `remove` with a value list (Entra's members).
 *
 * The engine is pure: the route runs it on the resource as it is inside the update's transaction,
 * then maps the resulting document back as a full replace, so one PatchOp is one version.
 */
import type { AttrPath, FilterNode, FilterValue } from '../../domain/filter.ts';
import { jsonEqual } from '../../domain/metadata.ts';
import type { JsonValue } from '../../domain/user.ts';
import { ScimError } from './errors.ts';
import { coreAttributes, findAttribute, findExtension, SCHEMAS, type AttributeDef, type ResourceSchemas } from './schema.ts';
import { booleanOf, pathOf } from './wire.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export type PatchOpName = 'add' | 'replace' | 'remove';
export interface PatchOperation {
  op: PatchOpName;
  path?: string;
  value?: unknown;
}

/** Most operations one PatchOp may carry; more is a 400 (a bound on the work of one request). */
export const MAX_OPERATIONS = 1000;

/** The operations of a PatchOp body, checked for shape; op names in any case. */
export function readPatchOp(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw new ScimError('invalidSyntax', 'The body must be a PatchOp: {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [...]}');
  const schemas = body.schemas;
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SCHEMAS.patchOp.toLowerCase()))) {
    throw new ScimError('invalidSyntax', `schemas must include "${SCHEMAS.patchOp}"`);
  }
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const operations = key === undefined ? undefined : body[key];
  if (!Array.isArray(operations)) throw new ScimError('invalidSyntax', 'Operations must be a list of {"op", "path", "value"}');
  if (operations.length > MAX_OPERATIONS) throw new ScimError('invalidSyntax', `A PatchOp may carry at most ${MAX_OPERATIONS} operations`);
  return operations.map((operation, index) => {
    if (!isObject(operation)) throw new ScimError('invalidSyntax', `Operations[${index}] must be an object`);
    const field = (name: string) => operation[Object.keys(operation).find((k) => k.toLowerCase() === name) ?? name];
    const op = field('op');
    const name = typeof op === 'string' ? op.toLowerCase() : '';
    if (name !== 'add' && name !== 'replace' && name !== 'remove') {
      throw new ScimError('invalidSyntax', `Operations[${index}].op must be add, replace or remove (any case), not ${JSON.stringify(op)?.slice(0, 40)}`);
    }
    const path = field('path');
    if (path !== undefined && path !== null && typeof path !== 'string') throw new ScimError('invalidPath', `Operations[${index}].path must be a string`);
    const value = field('value');
    if (name !== 'remove' && value === undefined) throw new ScimError('invalidValue', `Operations[${index}] (${name}) needs a value`);
    return { op: name, ...(typeof path === 'string' && path.trim() !== '' ? { path } : {}), ...(value !== undefined ? { value } : {}) };
  });
}

/** Where a path points: the object holding the attribute, its definition, and the parsed path. */
interface Target {
  container: Json;
  key: string;
  def: AttributeDef | undefined;
  path: AttrPath;
  /** The path names a whole extension by its URN. */
  wholeExtension?: boolean;
}

function mutabilityError(name: string): ScimError {
  return new ScimError('mutability', `"${name}" is read-only and cannot be changed`);
}

/** The target of a path in `doc`, creating an extension's object when the path goes into one. */
function resolve(doc: Json, path: AttrPath, resource: ResourceSchemas, text: string): Target {
  if (path.schema) {
    const whole = findExtension(resource, `${path.schema}:${path.name}`);
    if (whole && path.sub === undefined && !path.filter) return { container: doc, key: whole.id, def: undefined, path, wholeExtension: true };
    if (path.schema.toLowerCase() !== resource.core.id.toLowerCase()) {
      const extension = findExtension(resource, path.schema);
      if (!extension) throw new ScimError('invalidPath', `"${text}": ${path.schema} is not a schema of this resource (see /scim/v2/Schemas)`);
      const def = findAttribute(extension.attributes, path.name);
      if (!def) throw new ScimError('invalidPath', `"${text}": ${extension.id} has no attribute "${path.name}"`);
      if (!isObject(doc[extension.id])) doc[extension.id] = {};
      return { container: doc[extension.id] as Json, key: def.name, def, path };
    }
  }
  const def = findAttribute(coreAttributes(resource), path.name);
  if (!def) throw new ScimError('invalidPath', `"${text}" names no attribute of ${resource.core.name} (see /scim/v2/Schemas)`);
  return { container: doc, key: def.name, def, path };
}

function subDef(def: AttributeDef | undefined, sub: string, text: string): AttributeDef {
  const found = def?.subAttributes ? findAttribute(def.subAttributes, sub) : undefined;
  if (!found) throw new ScimError('invalidPath', `"${text}": ${def?.name ?? 'the attribute'} has no sub-attribute "${sub}"`);
  return found;
}

/** A value as the attribute's type wants it: "True"/"False" read as booleans (Entra). */
function coerce(value: unknown, def: AttributeDef | undefined): unknown {
  if (!def) return value;
  // Okta may wrap a single value in a list: {"path": "active", "value": [false]}.
  if (!def.multiValued && def.type !== 'complex' && Array.isArray(value) && value.length === 1) value = value[0];
  if (def.type === 'boolean') return booleanOf(value) ?? value;
  if (def.type === 'complex' && !def.multiValued && def.subAttributes?.some((s) => s.name === 'value')) {
    // Entra sends the enterprise manager as a list of one, or as the bare id.
    if (Array.isArray(value) && value.length === 1) value = value[0];
    if (typeof value === 'string') value = { value };
  }
  if (def.type === 'complex' && def.subAttributes) {
    const one = (item: unknown) => {
      if (!isObject(item)) return item;
      const out: Json = {};
      for (const [k, v] of Object.entries(item)) {
        const sd = findAttribute(def.subAttributes!, k);
        out[sd?.name ?? k] = coerce(v, sd ? { ...sd, multiValued: false } : undefined);
      }
      return out;
    };
    return Array.isArray(value) ? value.map(one) : one(value);
  }
  return value;
}

function compareValues(actual: unknown, op: string, expected: FilterValue, caseExact: boolean): boolean {
  if (op === 'pr') return actual !== undefined && actual !== null && actual !== '';
  if (expected === null) return op === 'eq' ? actual === undefined || actual === null : actual !== undefined && actual !== null;
  if (typeof expected === 'boolean') {
    const b = booleanOf(actual);
    return op === 'eq' ? b === expected : op === 'ne' ? b !== expected : false;
  }
  if (typeof expected === 'number') {
    const n = typeof actual === 'number' ? actual : Number.NaN;
    switch (op) {
      case 'eq': return n === expected;
      case 'ne': return n !== expected;
      case 'gt': return n > expected;
      case 'ge': return n >= expected;
      case 'lt': return n < expected;
      case 'le': return n <= expected;
      default: return false;
    }
  }
  if (typeof actual !== 'string') return op === 'ne';
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'eq': return a === e;
    case 'ne': return a !== e;
    case 'co': return a.includes(e);
    case 'sw': return a.startsWith(e);
    case 'ew': return a.endsWith(e);
    case 'gt': return a > e;
    case 'ge': return a >= e;
    case 'lt': return a < e;
    case 'le': return a <= e;
    default: return false;
  }
}

/** Does one value of a multi-valued attribute match its value filter? Names compare case-insensitively. */
export function matchesEntry(entry: unknown, filter: FilterNode, def: AttributeDef | undefined): boolean {
  switch (filter.op) {
    case 'and': return matchesEntry(entry, filter.left, def) && matchesEntry(entry, filter.right, def);
    case 'or': return matchesEntry(entry, filter.left, def) || matchesEntry(entry, filter.right, def);
    case 'not': return !matchesEntry(entry, filter.filter, def);
    case 'has': return false;
    default: {
      const name = filter.path.name;
      const sd = def?.subAttributes ? findAttribute(def.subAttributes, name) : undefined;
      // A list of plain values (no sub-attributes) is filtered on "value".
      const actual = isObject(entry) ? entry[Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name] : name.toLowerCase() === 'value' ? entry : undefined;
      return compareValues(actual, filter.op, filter.op === 'pr' ? null : filter.value, sd?.caseExact ?? false);
    }
  }
}

/** The sub-attribute values a value filter of only `eq` and `and` pins down: what a new entry must hold. */
function impliedEntry(filter: FilterNode): Json | null {
  if (filter.op === 'and') {
    const left = impliedEntry(filter.left);
    const right = impliedEntry(filter.right);
    return left && right ? { ...left, ...right } : null;
  }
  if (filter.op === 'eq' && !filter.path.filter && filter.path.sub === undefined) return { [filter.path.name]: filter.value };
  return null;
}

function setPrimary(list: unknown[]): void {
  // At most one value is primary (RFC 7643 §2.4): the last one marked wins.
  const last = list.map((v) => isObject(v) && v.primary === true).lastIndexOf(true);
  list.forEach((v, i) => {
    if (isObject(v) && v.primary === true && i !== last) v.primary = false;
  });
}

function mergeInto(target: Json, value: Json): void {
  for (const [k, v] of Object.entries(value)) target[k] = v;
}

function checkWritable(def: AttributeDef | undefined, name: string, current: unknown): void {
  if (!def) return;
  if (def.mutability === 'readOnly') throw mutabilityError(name);
  if (def.mutability === 'immutable' && current !== undefined && current !== null) throw mutabilityError(name);
}

function applyOne(doc: Json, operation: PatchOperation, resource: ResourceSchemas): void {
  if (operation.path === undefined) {
    if (operation.op === 'remove') throw new ScimError('noTarget', 'remove needs a path: which attribute or value to remove');
    if (!isObject(operation.value)) throw new ScimError('invalidValue', `${operation.op} without a path needs an object value: {"attribute": value, …}`);
    // Each key is a path of its own: plain, dotted ("name.givenName") or URN-qualified.
    for (const [key, value] of Object.entries(operation.value)) {
      if (key.toLowerCase() === 'schemas' || key.toLowerCase() === 'meta') continue;
      if (key.toLowerCase() === 'id') {
        if (value === doc.id) continue;
        throw mutabilityError('id');
      }
      const extension = findExtension(resource, key);
      if (extension && isObject(value)) {
        for (const [inner, innerValue] of Object.entries(value)) applyOne(doc, { op: operation.op, path: `${extension.id}:${inner}`, value: innerValue }, resource);
        continue;
      }
      applyOne(doc, { op: operation.op, path: key, value }, resource);
    }
    return;
  }
  const text = operation.path;
  const target = resolve(doc, pathOf(text), resource, text);
  const { container, key, def, path } = target;
  if (target.wholeExtension) {
    if (operation.op === 'remove') delete container[key];
    else if (!isObject(operation.value)) throw new ScimError('invalidValue', `"${text}" is an extension: its value must be an object`);
    else for (const [inner, innerValue] of Object.entries(operation.value)) applyOne(doc, { op: operation.op, path: `${key}:${inner}`, value: innerValue }, resource);
    return;
  }
  const current = container[key];
  if (path.sub !== undefined && !path.filter && def?.subAttributes) checkWritable(subDef(def, path.sub, text), `${key}.${path.sub}`, isObject(current) ? current[path.sub] : undefined);
  checkWritable(def, key, current);

  if (path.filter) {
    if (!def?.multiValued) throw new ScimError('invalidPath', `"${text}": a value filter applies only to a multi-valued attribute`);
    const list = Array.isArray(current) ? current : [];
    const sd = path.sub !== undefined ? subDef(def, path.sub, text) : undefined;
    if (sd) checkWritable(sd, `${key}.${path.sub}`, undefined);
    const matched = list.filter((entry) => matchesEntry(entry, path.filter!, def));
    if (operation.op === 'remove') {
      container[key] = path.sub === undefined ? list.filter((entry) => !matched.includes(entry)) : list.map((entry) => {
        if (!matched.includes(entry) || !isObject(entry)) return entry;
        const { [sd!.name]: _removed, ...rest } = entry;
        return rest;
      });
      if ((container[key] as unknown[]).length === 0) delete container[key];
      return;
    }
    const value = sd ? coerce(operation.value, { ...sd, multiValued: false }) : coerce(operation.value, { ...def, multiValued: false });
    if (matched.length === 0) {
      // Entra sends filtered paths for values that do not exist yet: the filter says what to create.
      const implied = impliedEntry(path.filter);
      if (!implied) throw new ScimError('noTarget', `"${text}" matches no value, and its filter (not only eq and and) does not say what to create`);
      const entry: Json = { ...implied };
      if (sd) entry[sd.name] = value;
      else if (isObject(value)) mergeInto(entry, value);
      else throw new ScimError('invalidValue', `"${text}" needs an object value`);
      container[key] = [...list, coerce(entry, { ...def, multiValued: false })];
    } else {
      for (const entry of matched) {
        if (!isObject(entry)) continue;
        if (sd) entry[sd.name] = value;
        else if (isObject(value)) {
          if (operation.op === 'replace') for (const k of Object.keys(entry)) delete entry[k];
          mergeInto(entry, value);
        } else throw new ScimError('invalidValue', `"${text}" needs an object value`);
      }
    }
    setPrimary(container[key] as unknown[]);
    return;
  }

  if (path.sub !== undefined) {
    const sd = def?.subAttributes ? subDef(def, path.sub, text) : undefined;
    const subName = sd?.name ?? path.sub;
    if (def?.multiValued) {
      const list = Array.isArray(current) ? current : [];
      if (operation.op === 'remove') {
        container[key] = list.map((entry) => (isObject(entry) ? Object.fromEntries(Object.entries(entry).filter(([k]) => k !== subName)) : entry));
      } else if (list.length === 0) container[key] = [{ [subName]: coerce(operation.value, sd) }];
      else for (const entry of list) if (isObject(entry)) entry[subName] = coerce(operation.value, sd);
      return;
    }
    if (operation.op === 'remove') {
      if (isObject(current)) {
        delete current[subName];
        if (Object.keys(current).length === 0) delete container[key];
      }
      return;
    }
    if (!isObject(current)) container[key] = {};
    (container[key] as Json)[subName] = coerce(operation.value, sd);
    return;
  }

  if (operation.op === 'remove') {
    if (def?.multiValued && operation.value !== undefined && Array.isArray(current)) {
      // Entra: {"op":"Remove","path":"members","value":[{"value":"<id>"}]} removes those values.
      const doomed = Array.isArray(operation.value) ? operation.value : [operation.value];
      const same = (entry: unknown, gone: unknown) =>
        isObject(gone) && isObject(entry) && gone.value !== undefined ? gone.value === entry.value : jsonEqual(entry as JsonValue, gone as JsonValue);
      container[key] = current.filter((entry) => !doomed.some((gone) => same(entry, gone)));
      if ((container[key] as unknown[]).length === 0) delete container[key];
      return;
    }
    delete container[key];
    return;
  }
  const value = coerce(operation.value, def);
  if (def?.multiValued) {
    const values = Array.isArray(value) ? value : [value];
    if (operation.op === 'replace') container[key] = [...values];
    else {
      const list = Array.isArray(current) ? [...current] : [];
      for (const v of values) if (!list.some((existing) => jsonEqual(existing as JsonValue, v as JsonValue))) list.push(v);
      container[key] = list;
    }
    setPrimary(container[key] as unknown[]);
    return;
  }
  if (def?.type === 'complex' && isObject(value)) {
    // Sub-attributes not in the value stay as they are (RFC 7644 §3.5.2.3).
    if (!isObject(current)) container[key] = {};
    mergeInto(container[key] as Json, value);
    return;
  }
  container[key] = value;
}

/** The document after the operations, in order; the input is not changed. */
export function applyPatch(doc: Json, operations: readonly PatchOperation[], resource: ResourceSchemas): Json {
  const result = structuredClone(doc);
  for (const operation of operations) applyOne(result, operation, resource);
  return result;
}
