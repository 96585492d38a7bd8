/**
 * Batch writes (issue 15, item 1): up to 1,000 creates, upserts, updates and deletes, run in order,
 * each in its own transaction through the user service, so one failure never undoes another. Within
 * one batch the first operation to touch a user or a unique value wins; a later one is a 409.
 * A dry run plans every operation the same way (each transaction rolled back) and writes nothing.
 */
import { ConflictError, ValidationError, type UniqueField } from '../domain/errors.ts';
import { normalizeIdentifier, type ChangeSet, type User } from '../domain/user.ts';
import type { RequestContext } from './context.ts';
import type { PasswordInput, PasswordService, PreparedPassword } from './password-service.ts';
import { DoorWrite, type UpdatePatch, type UserService } from './user-service.ts';

export const BATCH_MAX_OPERATIONS = 1000;

export type UpsertMatch = 'external_id' | 'email';

/** One operation, in canonical names; `password` holds password_hash and password_hash_type when given. */
export type BatchOperation =
  | { op: 'create'; data: Record<string, unknown> | DoorWrite; password?: PasswordInput }
  | { op: 'upsert'; match: UpsertMatch; data: Record<string, unknown>; password?: PasswordInput }
  /** `data` may be a function of the user as it is in the operation's transaction (SCIM's PATCH). */
  | { op: 'update'; id: string; data: UpdatePatch; password?: PasswordInput; expectedVersions?: readonly number[] }
  | { op: 'delete'; id: string; expectedVersions?: readonly number[] };

export type BatchOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'failed';

/** An operation's result: the user written (for a delete, as it was), or what was thrown. */
export type BatchSuccess = { status: number; outcome: Exclude<BatchOutcome, 'failed'>; user: User };
export type BatchResult = ({ index: number } & BatchSuccess) | { index: number; outcome: 'failed'; error: unknown };

/** What one batch has claimed so far: user ids and unique values, normalised as the store compares them. */
class Claims {
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

export function createBatchService(users: UserService, passwords: PasswordService) {
  async function prepared(input: PasswordInput | undefined): Promise<PreparedPassword | undefined> {
    return input === undefined ? undefined : passwords.prepare(input);
  }

  async function findMatch(ctx: RequestContext, match: UpsertMatch, value: unknown): Promise<User | null> {
    if (typeof value !== 'string' || value === '') {
      throw ValidationError.field(match, `Is required to upsert by ${match}`);
    }
    const { items } = await users.list(ctx, { [match]: value }, { limit: 1 });
    return items[0] ?? null;
  }

  async function run(ctx: RequestContext, operation: BatchOperation, claims: Claims, dryRun: boolean): Promise<BatchSuccess> {
    switch (operation.op) {
      case 'create': {
        const keys = Claims.keys([], operation.data);
        claims.check(keys);
        const user = await users.create(ctx, operation.data, { password: await prepared(operation.password), dryRun });
        claims.addUser(user);
        return { status: 201, outcome: 'created', user };
      }
      case 'upsert': {
        const keys = Claims.keys([], operation.data);
        claims.check(keys);
        const password = await prepared(operation.password);
        const patch = async (existing: User): Promise<BatchSuccess> => {
          const withId = [...keys, ...Claims.keys([existing.id], undefined)];
          claims.check(withId);
          const result = await users.update(ctx, existing.id, operation.data, { password, dryRun });
          claims.addUser(result.user, result.changes);
          return { status: 200, outcome: result.changed ? 'updated' : 'unchanged', user: result.user };
        };
        const existing = await findMatch(ctx, operation.match, operation.data[operation.match]);
        if (existing) return patch(existing);
        try {
          const user = await users.create(ctx, operation.data, { password, dryRun });
          claims.addUser(user);
          return { status: 201, outcome: 'created', user };
        } catch (error) {
          // Another request created the match meanwhile: patch it, as if it had been there first.
          if (!(error instanceof ConflictError && error.field === operation.match)) throw error;
          const created = await findMatch(ctx, operation.match, operation.data[operation.match]);
          if (!created) throw error;
          return patch(created);
        }
      }
      case 'update': {
        const keys = Claims.keys([operation.id], operation.data);
        claims.check(keys);
        const password = await prepared(operation.password);
        const result = await users.update(ctx, operation.id, operation.data, { password, dryRun, expectedVersions: operation.expectedVersions });
        claims.addUser(result.user, result.changes);
        return { status: 200, outcome: result.changed ? 'updated' : 'unchanged', user: result.user };
      }
      case 'delete': {
        const keys = Claims.keys([operation.id], undefined);
        claims.check(keys);
        const user = await users.delete(ctx, operation.id, { dryRun, expectedVersions: operation.expectedVersions });
        claims.addUser(user);
        return { status: 200, outcome: 'deleted', user };
      }
    }
  }

  /**
   * A batch run one operation at a time, for a door whose later operations depend on earlier results
   * (SCIM's bulkId references). Each operation in its own transaction, as in run(). Unless `chained`,
   * the first operation to touch a user or a unique value wins, as in run(); a chained session (no
   * dry run) lets a later operation change a user an earlier one created, and leaves uniqueness to
   * the store.
   */
  function session(ctx: RequestContext, opts: { dryRun: boolean; chained?: boolean }) {
    if (opts.chained && opts.dryRun) throw new Error('A chained batch session cannot be a dry run: its claims would not match the real run');
    const claims = new Claims(!opts.chained);
    return {
      async step(operation: BatchOperation): Promise<BatchSuccess> {
        return run(ctx, operation, claims, opts.dryRun);
      },
    };
  }

  return {
    session,

    /**
     * Runs the operations in order, each in its own transaction; an operation given as an error
     * (the door could not read it) fails as itself. Results come back in request order.
     */
    async run(ctx: RequestContext, operations: ReadonlyArray<BatchOperation | Error>, opts: { dryRun: boolean }): Promise<BatchResult[]> {
      const batch = session(ctx, opts);
      const results: BatchResult[] = [];
      for (const [index, operation] of operations.entries()) {
        if (operation instanceof Error) {
          results.push({ index, outcome: 'failed', error: operation });
          continue;
        }
        try {
          results.push({ index, ...(await batch.step(operation)) });
        } catch (error) {
          results.push({ index, outcome: 'failed', error });
        }
      }
      return results;
    },
  };
}

export type BatchService = ReturnType<typeof createBatchService>;
