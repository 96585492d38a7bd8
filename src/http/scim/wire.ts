/**
 * What every SCIM resource route needs, written once: paging (startIndex/count), the ListResponse,
 * ETags as meta.version, If-Match, Location, `attributes`/`excludedAttributes`, and the tolerant
 * readings of what IdPs send ("True"/"False" for booleans). Group routes use these as User routes do.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { FilterSyntaxError, parseFilter, parsePath, type AttrPath, type FilterNode } from '../../domain/filter.ts';
import { expectedVersions } from '../preconditions.ts';
import { named } from '../schemas.ts';
import { invalidFilter, ScimError } from './errors.ts';
import { SCHEMAS } from './schema.ts';

export const SCIM_PREFIX = '/scim/v2';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** The most resources one page holds (ServiceProviderConfig's filter.maxResults); a larger count is cut to it. */
export const MAX_COUNT = 200;
/** The page size when a request gives no count. */
export const DEFAULT_COUNT = 100;

/** The query every list route takes (RFC 7644 §3.4.2). */
export const ListQuery = Type.Object(
  {
    filter: Type.Optional(Type.String({ description: 'RFC 7644 filter, e.g. userName eq "bjensen"' })),
    startIndex: Type.Optional(Type.String({ description: '1-based index of the first result (default 1)' })),
    count: Type.Optional(Type.String({ description: `Results per page, at most ${MAX_COUNT} (default ${DEFAULT_COUNT}); 0 gives only totalResults` })),
    attributes: Type.Optional(Type.String({ description: 'Comma-separated attributes to return (id and schemas always come)' })),
    excludedAttributes: Type.Optional(Type.String({ description: 'Comma-separated attributes to leave out' })),
    sortBy: Type.Optional(Type.String({ description: 'Not supported: results come in creation order' })),
    sortOrder: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

/** attributes/excludedAttributes on a single resource. */
export const ProjectionQuery = Type.Object(
  {
    attributes: Type.Optional(Type.String()),
    excludedAttributes: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export const ScimErrorSchema = named('Scim_Error', Type.Object(
  {
    schemas: Type.Array(Type.String()),
    status: Type.String({ description: 'The HTTP status, as a string' }),
    scimType: Type.Optional(Type.String()),
    detail: Type.String(),
  },
  { description: 'RFC 7644 §3.12 error' },
));

/**
 * How SCIM routes describe their media types in the OpenAPI document: every answer is
 * application/scim+json (./index.ts sets it), and bodies are read as SCIM or plain JSON alike.
 */
export const SCIM_PRODUCES = ['application/scim+json'];
export const SCIM_CONSUMES = ['application/scim+json', 'application/json'];

/** The bodies of SCIM routes, as named schemas: ./schemas.ts. */

export function scimErrors(...statuses: number[]) {
  return Object.fromEntries([400, 401, 403, ...statuses].map((status) => [status, ScimErrorSchema]));
}

export interface Paging {
  startIndex: number;
  count: number;
}

function integerParam(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  if (!/^-?\d{1,9}$/.test(value.trim())) throw new ScimError('invalidValue', `${name} must be an integer, not "${value.slice(0, 40)}"`);
  return Number(value);
}

/** startIndex below 1 counts as 1 and a negative count as 0 (RFC 7644 §3.4.2.4); count is capped at MAX_COUNT. */
export function pagingOf(query: { startIndex?: string; count?: string }): Paging {
  const startIndex = Math.max(1, integerParam('startIndex', query.startIndex, 1));
  const count = Math.min(MAX_COUNT, Math.max(0, integerParam('count', query.count, DEFAULT_COUNT)));
  return { startIndex, count };
}

export function listResponse(resources: unknown[], totalResults: number, paging: Paging) {
  return { schemas: [SCHEMAS.list], totalResults, itemsPerPage: resources.length, startIndex: paging.startIndex, Resources: resources };
}

/** A filter parameter, parsed; a syntax error is SCIM's 400 invalidFilter. */
export function filterOf(text: string | undefined): FilterNode | null {
  if (text === undefined || text.trim() === '') return null;
  try {
    return parseFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw invalidFilter(error);
    throw error;
  }
}

/** A PATCH path, parsed; a syntax error is SCIM's 400 invalidPath. */
export function pathOf(text: string): AttrPath {
  try {
    return parsePath(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new ScimError('invalidPath', `Invalid path "${text.slice(0, 100)}": ${error.message}`);
    throw error;
  }
}

/** The ETag of a version, weak as RFC 7644's examples show it; also the resource's meta.version. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** The versions an If-Match accepts: strong or weak tags (W/"3" and "3" alike); undefined without one. */
export function ifMatchVersions(request: FastifyRequest): number[] | undefined {
  const header = request.headers['if-match'];
  if (typeof header !== 'string') return undefined;
  return expectedVersions(header.replace(/W\/"/g, '"'));
}

/** The absolute URL of a resource, for Location and meta.location. */
export function locationOf(request: FastifyRequest, endpoint: string, id: string): string {
  return `${request.protocol}://${request.host}${SCIM_PREFIX}${endpoint}/${encodeURIComponent(id)}`;
}

/** A boolean as IdPs send it: true/false, or Entra's "True"/"False" strings. Else undefined. */
export function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** [schema URN or '', attribute, sub-attribute?], lower-cased, of one name in attributes=. */
function projectionPath(name: string): [string, string, string | undefined] {
  const colon = name.lastIndexOf(':');
  const schema = colon === -1 ? '' : name.slice(0, colon).toLowerCase();
  const [attribute = '', sub] = (colon === -1 ? name : name.slice(colon + 1)).toLowerCase().split('.');
  return [schema, attribute, sub];
}

/**
 * The resource with only the asked attributes (or without the excluded ones), RFC 7644 §3.9. `id`
 * and `schemas` always stay. A name may be URN-qualified, name a sub-attribute, or name a whole
 * extension by its URN.
 */
export function project(resource: Json, query: { attributes?: string; excludedAttributes?: string }, schemaIds: readonly string[]): Json {
  const include = splitList(query.attributes).map(projectionPath);
  const exclude = splitList(query.excludedAttributes).map(projectionPath);
  if (include.length === 0 && exclude.length === 0) return resource;
  const extensionIds = new Set(schemaIds.map((s) => s.toLowerCase()));
  const always = new Set(['id', 'schemas']);
  const core = schemaIds[0]?.toLowerCase() ?? '';
  const matches = (spec: [string, string, string | undefined], schema: string, key: string) =>
    (spec[0] === '' || spec[0] === schema) && spec[1] === key.toLowerCase();
  const pick = (object: Json, schema: string): Json => {
    const out: Json = {};
    for (const [key, value] of Object.entries(object)) {
      if (always.has(key)) {
        out[key] = value;
        continue;
      }
      if (extensionIds.has(key.toLowerCase()) && isObject(value)) {
        // An extension: whole when named by its URN, else attribute by attribute.
        const urn = key.toLowerCase();
        const named = (include.length > 0 ? include : exclude).some(([s, a]) => `${s}:${a}` === urn);
        if (named) {
          if (include.length > 0) out[key] = value;
          continue;
        }
        const inner = pick(value, urn);
        if (Object.keys(inner).length > 0) out[key] = inner;
        continue;
      }
      if (include.length > 0) {
        const specs = include.filter((spec) => matches(spec, schema, key));
        if (specs.length === 0) continue;
        const subs = specs.map((spec) => spec[2]);
        if (subs.includes(undefined) || !(isObject(value) || Array.isArray(value))) out[key] = value;
        else out[key] = subPick(value, (sub) => subs.includes(sub.toLowerCase()));
      } else {
        const specs = exclude.filter((spec) => matches(spec, schema, key));
        if (specs.some((spec) => spec[2] === undefined)) continue;
        const subs = specs.map((spec) => spec[2]!);
        out[key] = subs.length > 0 && (isObject(value) || Array.isArray(value)) ? subPick(value, (sub) => !subs.includes(sub.toLowerCase())) : value;
      }
    }
    return out;
  };
  return pick(resource, core);
}

function subPick(value: unknown, keep: (sub: string) => boolean): unknown {
  const one = (object: unknown) => (isObject(object) ? Object.fromEntries(Object.entries(object).filter(([k]) => keep(k))) : object);
  return Array.isArray(value) ? value.map(one) : one(value);
}

/** The limits of POST /Bulk, advertised in ServiceProviderConfig; above them a request is a 413. */
export const BULK_LIMITS = { maxOperations: 1000, maxPayloadSize: 4 * 1024 * 1024 } as const;
