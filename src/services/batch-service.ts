/**
 * Batch writes (issue 15, item 1): up to 1,000 creates, upserts, updates and deletes, run in order,
 * each in its own transaction through the user service, so one failure never undoes another. Within
 * one batch the first operation to touch a user or a unique value wins; a later one is a 409.
 * A dry run plans every operation the same way (each transaction rolled back) and writes nothing.
 */
import { ConflictError, ValidationError } from '../domain/errors.ts';
import { Claims } from './batch-claims.ts';
import type { User } from '../domain/user.ts';
import type { Store, UniqueUserField } from '../store/contract.ts';
import type { RequestContext } from './context.ts';
import type { IdentityInput } from './identity-links.ts';
import type { PasswordInput, PasswordService, PreparedPassword } from './password-service.ts';
import { DoorWrite, matchKey, type UpdatePatch, type UserService } from './user-service.ts';
import { DeferredCreates, takenValues } from './batch-creates.ts';
import { publicUser } from './stored-user.ts';

export const BATCH_MAX_OPERATIONS = 1000;

export type UpsertMatch = 'external_id' | 'email';

/** One operation, in canonical names; `password` holds password_hash and password_hash_type when given. */
export type BatchOperation =
  | { op: 'create'; data: Record<string, unknown> | DoorWrite; password?: PasswordInput; identities?: IdentityInput[] }
  | { op: 'upsert'; match: UpsertMatch; data: Record<string, unknown>; password?: PasswordInput; identities?: IdentityInput[] }
  /** `data` may be a function of the user as it is in the operation's transaction (SCIM's PATCH). */
  | { op: 'update'; id: string; data: UpdatePatch; password?: PasswordInput; identities?: IdentityInput[]; expectedVersions?: readonly number[] }
  | { op: 'delete'; id: string; expectedVersions?: readonly number[] };

/** Upsert matches read ahead: `field:matchKey` → the user, or null when none has that value. */
type Matches = Map<string, User | null>;

type CreateLike = BatchOperation & { op: 'create' | 'upsert' };

interface ReadAhead {
  matches: Matches;
  /** Unique values stored users hold (batch-creates.ts takenKey). */
  taken: Set<string>;
}

export type BatchOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'failed';

/** An operation's result: the user written (for a delete, as it was), or what was thrown. */
export type BatchSuccess = { status: number; outcome: Exclude<BatchOutcome, 'failed'>; user: User };
export type BatchResult = ({ index: number } & BatchSuccess) | { index: number; outcome: 'failed'; error: unknown };

/**
 * Operations per grouped transaction (Store.group, SQLite): big enough that shared pages are written
 * once for many users, small enough that the write lock is never held long against live requests.
 */
export const GROUP_SIZE = 100;

/** Where a batch may group its operations: the store, and the user service over a grouped store. */
export interface Grouping {
  store: Store;
  usersOver(store: Store): UserService;
}

export function createBatchService(users: UserService, passwords: PasswordService, grouping?: Grouping) {
  async function prepared(input: PasswordInput | undefined): Promise<PreparedPassword | undefined> {
    return input === undefined ? undefined : passwords.prepare(input);
  }

  async function findMatch(users: UserService, ctx: RequestContext, match: UpsertMatch, value: unknown): Promise<User | null> {
    if (typeof value !== 'string' || value === '') {
      throw ValidationError.field(match, `Is required to upsert by ${match}`);
    }
    const { items } = await users.list(ctx, { [match]: value }, { limit: 1 });
    return items[0] ?? null;
  }

  /**
   * What operations[from, to) need of the store, read in one statement per field instead of one
   * per operation: the upserts' matches (keyed `field:matchKey`, null when no user has the value),
   * and the unique values of creates and upserts that stored users hold (see batch-creates.ts).
   * Read before the operations run: what they change in between is theirs to claim, so a later
   * operation that a change of an earlier one concerns is a 409 either way (see Claims).
   */
  async function readAhead(ctx: RequestContext, users: UserService, operations: ReadonlyArray<BatchOperation | Error>, from: number, to: number): Promise<ReadAhead> {
    const wanted: Record<UniqueUserField, string[]> = { external_id: [], email: [], username: [] };
    for (let index = from; index < to; index += 1) {
      const operation = operations[index];
      if (operation instanceof Error || (operation?.op !== 'upsert' && operation?.op !== 'create')) continue;
      const data = operation.data instanceof DoorWrite ? operation.data.patch : operation.data;
      for (const field of ['external_id', 'email', 'username'] as const) {
        const value = data[field];
        if (typeof value === 'string' && value !== '') wanted[field].push(value);
      }
    }
    const matches: Matches = new Map();
    const found: User[] = [];
    for (const field of ['external_id', 'email', 'username'] as const) {
      const users_ = await users.findByValues(ctx, field, wanted[field]);
      found.push(...users_);
      if (field === 'username') continue;
      const byKey = new Map(users_.map((user) => [matchKey(field, user[field]!), user]));
      for (const value of wanted[field]) {
        const key = matchKey(field, value);
        matches.set(`${field}:${key}`, byKey.get(key) ?? null);
      }
    }
    return { matches, taken: takenValues(found) };
  }

  /** The index of the operation being run, and where a create may wait to be written with others. */
  interface Turn {
    index: number;
    matches?: Matches;
    deferred?: DeferredCreates<BatchSuccess>;
  }

  // (Helpers, not closures made per operation: tsx names every function it creates, which costs.)

  /** The create on its own transaction. `redo`: it waited to be written with others, and that failed (its claims are made already). */
  async function createAlone(ctx: RequestContext, users: UserService, operation: CreateLike, password: PreparedPassword | undefined, dryRun: boolean, claims: Claims, redo = false): Promise<BatchSuccess> {
    try {
      const user = await users.create(ctx, operation.data, { password, dryRun, identities: operation.identities });
      claims.addUser(user);
      return { status: 201, outcome: 'created', user };
    } catch (error) {
      // An upsert whose match another request created meanwhile: patch it, as if it had been there first.
      if (operation.op !== 'upsert' || !(error instanceof ConflictError && error.field === operation.match)) throw error;
      const created = await findMatch(users, ctx, operation.match, operation.data[operation.match]);
      if (!created) throw error;
      return patchMatch(ctx, users, operation, created, password, dryRun, claims, undefined, redo);
    }
  }

  /** An upsert's patch of its match. `claimed`: the operation's values are its own claims already (a redo), so they are not checked again. */
  async function patchMatch(ctx: RequestContext, users: UserService, operation: CreateLike & { op: 'upsert' }, existing: User, password: PreparedPassword | undefined, dryRun: boolean, claims: Claims, turn?: Turn, claimed = false): Promise<BatchSuccess> {
    if (!claimed) claims.check([...Claims.keys([], operation.data), ...Claims.keys([existing.id], undefined)]);
    await turn?.deferred?.flush();
    // An upsert is an import: a user who has a password keeps it (see keepExistingPassword).
    const result = await users.update(ctx, existing.id, operation.data, { password, dryRun, identities: operation.identities, keepExistingPassword: true });
    claims.addUser(result.user, result.changes);
    return { status: 200, outcome: result.changed ? 'updated' : 'unchanged', user: result.user };
  }

  /** A create (or an upsert that found no match): waits to be written with others when it can (batch-creates.ts), else runs now. */
  async function create(ctx: RequestContext, users: UserService, operation: CreateLike, password: PreparedPassword | undefined, dryRun: boolean, claims: Claims, turn?: Turn): Promise<BatchSuccess> {
    const deferred = turn?.deferred;
    if (deferred && (operation.identities?.length ?? 0) === 0) {
      const planned = users.planCreation(ctx, operation.data, { password });
      if (deferred.fits(planned.user)) {
        const user = publicUser(planned.user);
        claims.addUser(user);
        deferred.add(turn.index, planned, () => createAlone(ctx, users, operation, password, dryRun, claims, true));
        return { status: 201, outcome: 'created', user };
      }
    }
    // Any write other than a waiting create goes after the creates waiting before it.
    await deferred?.flush();
    return createAlone(ctx, users, operation, password, dryRun, claims);
  }

  async function run(ctx: RequestContext, operation: BatchOperation, claims: Claims, dryRun: boolean, users: UserService, turn?: Turn): Promise<BatchSuccess> {
    switch (operation.op) {
      case 'create': {
        claims.check(Claims.keys([], operation.data));
        return create(ctx, users, operation, await prepared(operation.password), dryRun, claims, turn);
      }
      case 'upsert': {
        claims.check(Claims.keys([], operation.data));
        const password = await prepared(operation.password);
        const value = operation.data[operation.match];
        const known = typeof value === 'string' && value !== '' ? turn?.matches?.get(`${operation.match}:${matchKey(operation.match, value)}`) : undefined;
        const existing = known !== undefined ? known : await findMatch(users, ctx, operation.match, value);
        if (existing) return patchMatch(ctx, users, operation, existing, password, dryRun, claims, turn);
        return create(ctx, users, operation, password, dryRun, claims, turn);
      }
      case 'update': {
        claims.check(Claims.keys([operation.id], operation.data));
        const password = await prepared(operation.password);
        await turn?.deferred?.flush();
        const result = await users.update(ctx, operation.id, operation.data, {
          password,
          dryRun,
          identities: operation.identities,
          expectedVersions: operation.expectedVersions,
        });
        claims.addUser(result.user, result.changes);
        return { status: 200, outcome: result.changed ? 'updated' : 'unchanged', user: result.user };
      }
      case 'delete': {
        claims.check(Claims.keys([operation.id], undefined));
        await turn?.deferred?.flush();
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
      /** `over`: the user service to run it with (a SQLite batch's group of savepoints has its own). */
      async step(operation: BatchOperation, over: UserService = users, turn?: Turn): Promise<BatchSuccess> {
        return run(ctx, operation, claims, opts.dryRun, over, turn);
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
      const runAll = async (from: number, to: number, over: UserService) => {
        // Reading ahead is an optimisation: if it fails, each operation runs on its own as before.
        const ahead = await readAhead(ctx, over, operations, from, to).catch(() => undefined);
        // A dry run writes nothing, so nothing waits to be written.
        const deferred =
          ahead && !opts.dryRun
            ? new DeferredCreates<BatchSuccess>(ctx, over, ahead.taken, (index, outcome) => {
                results[index] = 'result' in outcome ? { index, ...outcome.result } : { index, outcome: 'failed', error: outcome.error };
              })
            : undefined;
        for (let index = from; index < to; index += 1) {
          const operation = operations[index]!;
          if (operation instanceof Error) {
            results[index] = { index, outcome: 'failed', error: operation };
            continue;
          }
          try {
            results[index] = { index, ...(await batch.step(operation, over, { index, matches: ahead?.matches, deferred })) };
          } catch (error) {
            results[index] = { index, outcome: 'failed', error };
          }
          // A waiting create that must be made on its own after all replaces its result here.
          if (deferred?.full) await deferred.flush();
        }
        await deferred?.flush();
      };
      const group = grouping?.store.group;
      if (!grouping || !group) {
        await runAll(0, operations.length, users);
        return results;
      }
      for (let from = 0; from < operations.length; from += GROUP_SIZE) {
        const to = Math.min(from + GROUP_SIZE, operations.length);
        try {
          await group.call(grouping.store, (store) => runAll(from, to, grouping.usersOver(store)));
        } catch (error) {
          // The group's commit failed (a full disk): none of its operations was written.
          results.splice(from, results.length - from, ...Array.from({ length: to - from }, (_, i) => ({ index: from + i, outcome: 'failed' as const, error })));
        }
      }
      return results;
    },
  };
}

export type BatchService = ReturnType<typeof createBatchService>;
