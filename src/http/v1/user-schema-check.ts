/**
 * Compile-time check: the /v1 user schema has exactly the User fields (less the private
 * `extensions`, plus `object`). A field forgotten in UserSchema would otherwise vanish silently
 * from every response, since the serialiser drops what the schema does not name.
 */
import type { Static } from 'typebox';
import type { User } from '../../domain/user.ts';
import type { UserSchema } from './schemas.ts';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

/** What /v1 shows of a user: every field but the per-door extensions, and the object tag. */
export type V1UserField = Exclude<keyof User, 'extensions'> | 'object';

export type UserSchemaHasExactlyTheUserFields = Assert<Equals<keyof Static<typeof UserSchema>, V1UserField>>;
