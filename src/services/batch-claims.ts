/** What one batch has claimed so far (the first operation to touch a user or a unique value wins). */
import { ConflictError, type UniqueField } from '../domain/errors.ts';
import { normalizeIdentifier, type ChangeSet, type User } from '../domain/user.ts';
import { DoorWrite, type UpdatePatch } from './user-service.ts';

/** What one batch has claimed so far: user ids and unique values, normalised as the store compares them. */
export class Claims {
  private readonly taken = new Set<string>();

  /** `enforce` false: a chained session, whose operations may build on each other's users (the store still keeps values unique). */
  constructor(private readonly enforce = true) {}

  private static keyOf(field: 'id' | UniqueField, value: string): string {
    return `${field}:${field === 'id' || field === 'external_id' ? value : normalizeIdentifier(value)}`;
  }

  /** The keys an operation would claim: its ids, and the unique values it writes. */
  static keys(ids: readonly string[], given: UpdatePatch | undefined): Array<[string, 'id' | UniqueField]> {
    // A function's values are known only in its transaction: what it writes is claimed after it ran.
    const data = given instanceof DoorWrite ? given.patch : typeof given === 'function' ? undefined : given;
    const keys: Array<[string, 'id' | UniqueField]> = ids.map((id) => [Claims.keyOf('id', id), 'id']);
    for (const field of ['email', 'username', 'external_id'] as const) {
      const value = data?.[field];
      if (typeof value === 'string') keys.push([Claims.keyOf(field, value), field]);
    }
    return keys;
  }

  /** Throws a 409 when an earlier operation of the batch holds one of these keys. */
  check(keys: Array<[string, 'id' | UniqueField]>): void {
    if (!this.enforce) return;
    for (const [key, field] of keys) {
      if (!this.taken.has(key)) continue;
      if (field === 'id') throw new ConflictError('identity', 'An earlier operation of this batch already writes this user');
      throw new ConflictError(field, `An earlier operation of this batch already uses this ${field}`);
    }
  }

  add(keys: Array<[string, 'id' | UniqueField]>): void {
    for (const [key] of keys) this.taken.add(key);
  }

  /**
   * After a write: the user's id and unique values, and those it gave up (so that a dry run, which
   * frees nothing in the store, plans what the real run would do: a later use of them is a 409).
   */
  addUser(user: User, changes: ChangeSet = {}): void {
    this.add(Claims.keys([user.id], user as unknown as Record<string, unknown>));
    const previous = Object.fromEntries(Object.entries(changes).map(([field, change]) => [field, change.previous]));
    this.add(Claims.keys([], previous));
  }
}

