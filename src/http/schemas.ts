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
