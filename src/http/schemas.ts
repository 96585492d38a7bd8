/** Schema helpers shared by the doors. */
import { Type, type TSchema, type Static } from 'typebox';

/**
 * `T | null` as a JSON Schema type array rather than anyOf: Ajv reports one clear error for it,
 * and fast-json-stringify serialises it without trying each branch.
 */
export function Nullable<T extends TSchema>(schema: T) {
  const { type, ...rest } = schema as unknown as { type: string };
  return Type.Unsafe<Static<T> | null>({ ...rest, type: [type, 'null'] });
}

/** Any JSON object (metadata). */
export const JsonObjectSchema = Type.Record(Type.String(), Type.Unknown());

/** A string enum as `{type, enum}` (one check) rather than a union of literals. */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * Names a schema (its JSON Schema `title`): the OpenAPI document lists it once under
 * components.schemas by that name and every use refers to it with $ref (src/http/openapi.ts), so
 * generated clients get named types. Names are unique: two different schemas with one name fail
 * the document's build.
 */
export function named<T extends TSchema>(name: string, schema: T): T {
  return { ...schema, title: name };
}
