/**
 * The user use cases. Each write is one transaction: read (locked), plan, write, append event.
 * Doors map their wire formats onto these calls; nothing here knows which door called.
 */
import { ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError, type FieldErrors } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { UserCondition } from '../domain/user-condition.ts';
import { planCreate, planUpdate, validatePatch, type MetadataPolicy, type PlanPolicy } from '../domain/update-planner.ts';
import { checkEmail } from '../domain/validation.ts';
import { blankProfile } from '../domain/user-fields.ts';
import { normalizeIdentifier, type ChangeSet, type JsonObject, type User, type WritableField } from '../domain/user.ts';
import { jsonEqual } from '../domain/metadata.ts';
import type { ListPage, Store, StoreQueries, StoredUser, UniqueUserField, UserEvent, UserFilter, UserListOptions } from '../store/contract.ts';
import type { Clock, RequestContext } from './context.ts';
import type { Mailer, MailMessage } from '../mail/mailer.ts';
import { holdPendingEmail, unlinkMismatchedIdentities } from './email-change.ts';
import { linkIdentities, unlinkedIdentities, type IdentityInput } from './identity-links.ts';
import type { PreparedPassword } from './password-service.ts';
import { leaveAllGroups } from './group-events.ts';
import { findUser, lockUser, publicUser } from './stored-user.ts';
import { appendUserEvent, creationChanges, deletionChanges, userEvent } from './user-events.ts';
import { redactChanges, type DeletedUserHistory } from '../domain/redaction.ts';

export interface UserServiceOptions {
  roles: readonly string[];
  emailChange: PlanPolicy['emailChange'];
  clock: Clock;
  mailer: Mailer;
  log: (error: unknown, message: string) => void;
  /** USERPLANE_DELETED_USER_HISTORY: 'redact' (the default) erases a deleted user's values from its history. */
  deletedUserHistory?: DeletedUserHistory;
}

/** What events show in place of a secret. */
export const REDACTED = '[redacted]';

/**
 * What an update writes: a patch, or a function of the user as it is (read and locked in the
 * update's transaction) that returns the patch, for rules that depend on the current value.
 */
export type UpdatePatch = Record<string, unknown> | DoorWrite | ((current: User) => Record<string, unknown> | DoorWrite);

/**
 * A patch together with a door's own data on the user (what has no canonical field: SCIM's
 * enterprise attributes, say), written in the same version as the patch. `data` replaces the
 * door's extension as a whole; an empty object removes it.
 */
export class DoorWrite {
  constructor(
    readonly patch: Record<string, unknown>,
    readonly door: string,
    readonly data: JsonObject,
  ) {}
}

/** The user's extensions with `door`'s replaced by `data` (removed when empty). */
function withExtension(extensions: Record<string, JsonObject>, door: string, data: JsonObject): Record<string, JsonObject> {
  const next = { ...extensions };
  if (Object.keys(data).length === 0) delete next[door];
  else next[door] = data;
  return next;
}

export interface UpdateOptions extends MetadataPolicy {
  /** Versions the caller's If-Match accepts; a user at any other version is not written (412). */
  expectedVersions?: readonly number[];
  /** An end user acting on their own profile (a publishable key): only this user, only these fields. */
  restrictTo?: SelfService;
  /** A new password (already hashed by preparePassword) to set in the same transaction. */
  password?: PreparedPassword;
  /** Do everything but commit (a batch's dry run): the answer is what the write would be. */
  dryRun?: boolean;
  /**
   * A user who already has a password keeps it (a batch upsert, i.e. an import): importing the same
   * file again changes nothing, and never undoes a password changed, or re-hashed to argon2id on a
   * verify, since the first import.
   */
  keepExistingPassword?: boolean;
  /** Identities to link in the same transaction (a batch's data.identities); those already linked to the user are kept as they are. */
  identities?: readonly IdentityInput[];
}

/** Carries a dry run's result out of its transaction, which the throw rolls back. */
class Rehearsal {
  constructor(readonly value: unknown) {}
}

/** What a publishable-key caller may touch: the one user with this external id, and these fields. */
export interface SelfService {
  externalId: string;
  fields: readonly WritableField[];
}

/** A user create() would write, with its event's changes (see planCreation). */
export interface PlannedCreate {
  user: StoredUser;
  changes: ChangeSet;
}

export interface UpdateResult {
  user: User;
  /** False when the patch changed nothing (no new version, no event). */
  changed: boolean;
  changes: ChangeSet;
}

/** The address as it is stored: an internationalised domain in its IDNA form (as given when it is no valid address). */
function storedEmail(email: string): string {
  const canonical = checkEmail(email);
  return canonical.ok ? canonical.value : email;
}

/** How a unique value compares in the store: external_id exactly, email and username case-insensitively (email in its stored form). */
export function matchKey(field: UniqueUserField, value: string): string {
  if (field === 'external_id') return value;
  return normalizeIdentifier(field === 'email' ? storedEmail(value) : value);
}

export function createUserService(store: Store, options: UserServiceOptions) {
  const policy: PlanPolicy = { roles: options.roles, emailChange: options.emailChange, now: options.clock };

  /** store.transaction, or with `dryRun` the same work rolled back at the end (no write, no event). */
  async function transaction<T>(dryRun: boolean | undefined, work: (tx: StoreQueries) => Promise<T>): Promise<T> {
    if (!dryRun) return store.transaction(work);
    try {
      await store.transaction(async (tx) => {
        throw new Rehearsal(await work(tx));
      });
    } catch (error) {
      if (error instanceof Rehearsal) return error.value as T;
      throw error;
    }
    throw new Error('unreachable: a rehearsal always throws');
  }

  function checkSelfService(user: StoredUser, patch: Record<string, unknown> | null, restrictTo: SelfService | undefined): void {
    if (!restrictTo) return;
    // Someone else's user answers exactly as a missing one: a publishable key is no existence oracle.
    if (user.external_id === null || user.external_id !== restrictTo.externalId) throw new NotFoundError('user', user.id);
    const refused = Object.keys(patch ?? {}).filter((field) => !(restrictTo.fields as readonly string[]).includes(field));
    if (refused.length > 0) throw new ForbiddenError(`This key may not change: ${refused.join(', ')}`);
  }

  /** Mail goes out after commit; a failure is logged, and the user can ask for a new code. */
  async function sendAll(mails: MailMessage[]): Promise<void> {
    for (const mail of mails) {
      try {
        await options.mailer.send(mail);
      } catch (error) {
        options.log(error, 'sending mail failed');
      }
    }
  }

  return {
    /** The field errors of an untyped patch, without touching the store (empty when it is valid). */
    fieldErrors(patch: Record<string, unknown>): FieldErrors {
      try {
        validatePatch(patch, policy);
        return {};
      } catch (error) {
        if (error instanceof ValidationError) return error.details;
        throw error;
      }
    },

    /**
     * A new user as create() would write it, without writing (validation errors are thrown): for
     * createPlanned, which writes many at once. Identities are not part of a plan.
     */
    planCreation(ctx: RequestContext, inputOrWrite: Record<string, unknown> | DoorWrite, opts: { password?: PreparedPassword } & MetadataPolicy = {}): PlannedCreate {
      const input = inputOrWrite instanceof DoorWrite ? inputOrWrite.patch : inputOrWrite;
      const fields = planCreate(input, { ...policy, metadataMaxKeys: opts.metadataMaxKeys });
      const now = options.clock().toISOString();
      const user: StoredUser = {
        id: newId('usr'),
        environment: ctx.environment,
        ...blankProfile(),
        ...(fields as Partial<StoredUser>),
        password_set: opts.password !== undefined,
        password_hash: opts.password?.hash ?? null,
        password_hash_type: opts.password?.type ?? null,
        ...(inputOrWrite instanceof DoorWrite ? { extensions: withExtension({}, inputOrWrite.door, inputOrWrite.data) } : {}),
        source: ctx.door,
        version: 1,
        created_at: now,
        updated_at: now,
      };
      // A password given with the user is the password: nothing is left for the migration hook.
      if (opts.password) user.password_migration_pending = false;
      if (opts.password?.equalsEmail(user.email)) {
        throw ValidationError.field('password', 'Must not be the same as the email address', 'password_strength');
      }
      const changes = creationChanges(user);
      if (opts.password) changes.password = { previous: null, current: REDACTED };
      return { user, changes };
    },

    /**
     * Writes planned creations in one transaction: their rows, then their user.created events in
     * the same order (a batch's creates, many rows per statement). All or nothing: when one row
     * cannot be written (a unique value taken meanwhile) nothing is, and the caller may create
     * each on its own instead.
     */
    async createPlanned(ctx: RequestContext, planned: readonly PlannedCreate[]): Promise<void> {
      if (planned.length === 0) return;
      await store.transaction(async (tx) => {
        await tx.users.insertMany(planned.map((p) => p.user));
        await tx.events.appendMany(
          planned.map((p) => userEvent(ctx, { type: 'user.created', userId: p.user.id, changes: p.changes, at: p.user.created_at, snapshot: publicUser(p.user) })),
        );
      });
    },

    async create(
      ctx: RequestContext,
      inputOrWrite: Record<string, unknown> | DoorWrite,
      opts: { password?: PreparedPassword; dryRun?: boolean; identities?: readonly IdentityInput[] } & MetadataPolicy = {},
    ): Promise<User> {
      const { user, changes } = this.planCreation(ctx, inputOrWrite, opts);
      return transaction(opts.dryRun, async (tx) => {
        await tx.users.insert(user);
        const linked = await linkIdentities(tx, ctx, user.id, opts.identities, user.created_at);
        if (linked.length > 0) changes.identities = { previous: null, current: linked };
        await appendUserEvent(tx, ctx, { type: 'user.created', userId: user.id, changes, at: user.created_at, snapshot: publicUser(user) });
        return publicUser(user);
      });
    },

    async get(ctx: RequestContext, id: string, restrictTo?: SelfService): Promise<User> {
      const user = await findUser(store, ctx, id);
      checkSelfService(user, null, restrictTo);
      return publicUser(user);
    },

    /** The user whose external_id is exactly this, or NotFoundError. */
    async getByExternalId(ctx: RequestContext, externalId: string): Promise<User> {
      const { items } = await store.users.list(ctx.environment, { external_id: externalId }, { limit: 1 });
      const user = items[0];
      if (!user) throw new NotFoundError('user', externalId);
      return publicUser(user);
    },

    /** The users whose `field` is one of `values` (compared as matchKey does): a batch's upsert matches and unique values, read at once. */
    async findByValues(ctx: RequestContext, field: UniqueUserField, values: readonly string[]): Promise<User[]> {
      if (values.length === 0) return [];
      const stored = await store.users.findMany(ctx.environment, field, field === 'email' ? values.map(storedEmail) : values);
      return stored.map(publicUser);
    },

    async list(ctx: RequestContext, filter: UserFilter, page: UserListOptions): Promise<ListPage<User>> {
      // A search box sends what was typed: surrounding spaces are noise, and a blank search lists everyone.
      const q = filter.q?.trim() || undefined;
      const email = filter.email === undefined ? undefined : storedEmail(filter.email);
      const result = await store.users.list(ctx.environment, { ...filter, q, ...(email !== undefined ? { email } : {}) }, page);
      return { items: result.items.map(publicUser), hasMore: result.hasMore };
    },

    /** Users matching a condition, by position (SCIM's startIndex/count), with how many match in all. */
    async query(ctx: RequestContext, where: UserCondition, page: { offset: number; limit: number }): Promise<{ items: User[]; total: number }> {
      const result = await store.users.query(ctx.environment, where, page);
      return { items: result.items.map(publicUser), total: result.total };
    },

    async update(ctx: RequestContext, id: string, patchOrFn: UpdatePatch, opts: UpdateOptions = {}): Promise<UpdateResult> {
      const mails: MailMessage[] = [];
      const result = await transaction(opts.dryRun, async (tx) => {
        const current = await lockUser(tx, ctx, id);
        if (opts.expectedVersions && !opts.expectedVersions.includes(current.version)) {
          throw new PreconditionFailedError(current.version);
        }
        const given = typeof patchOrFn === 'function' ? patchOrFn(publicUser(current)) : patchOrFn;
        const patch = given instanceof DoorWrite ? given.patch : given;
        checkSelfService(current, patch, opts.restrictTo);
        const plan = planUpdate(current, patch, { ...policy, metadataMaxKeys: opts.metadataMaxKeys });
        // Under the verify policy a new address set as already verified skips its code: an admin's call only.
        // (Under verify the planner moves the address at once only when the patch says email_verified: true.)
        if (policy.emailChange === 'verify' && plan.emailChanged && plan.changes.email != null && !ctx.scopes?.has('admin')) {
          throw new ForbiddenError('Setting a new email as verified needs the admin scope while USERPLANE_EMAIL_CHANGE=verify; without email_verified the address waits for its code');
        }
        const changeSet: ChangeSet = { ...plan.changeSet };
        const changes = { ...plan.changes };
        if (given instanceof DoorWrite) {
          const previous = current.extensions[given.door] ?? {};
          if (!jsonEqual(previous, given.data)) {
            changes.extensions = withExtension(current.extensions, given.door, given.data);
            changeSet[`extensions.${given.door}`] = { previous, current: given.data };
          }
        }
        const finalEmail = plan.changes.email !== undefined ? plan.changes.email : current.email;
        const password = opts.keepExistingPassword && current.password_set ? undefined : opts.password;
        const newIdentities = await unlinkedIdentities(tx, current, opts.identities);
        if (newIdentities.length > 0) changeSet.identities = { previous: null, current: newIdentities.map((i) => ({ ...i })) };
        if (password) {
          if (password.equalsEmail(finalEmail)) {
            throw ValidationError.field('password', 'Must not be the same as the email address', 'password_strength');
          }
          changeSet.password = { previous: current.password_set ? REDACTED : null, current: REDACTED };
          if (!current.password_set) changeSet.password_set = { previous: false, current: true };
          changes.password_set = true;
          // Setting a password clears the migration mark (even one the same patch sets).
          if (current.password_migration_pending) {
            changes.password_migration_pending = false;
            changeSet.password_migration_pending = { previous: true, current: false };
          } else if (changes.password_migration_pending !== undefined) {
            delete changes.password_migration_pending;
            delete changeSet.password_migration_pending;
          }
        }
        if (Object.keys(changeSet).length === 0) return { user: publicUser(current), changed: false, changes: {} };

        const now = options.clock();
        const updated_at = now.toISOString();
        const version = current.version + 1;
        const row = { ...changes, version, updated_at };
        const after = publicUser({ ...current, ...row });
        // The row is locked (or the database is), so a miss means it vanished under us.
        if (!password && !plan.emailChanged && newIdentities.length === 0 && !plan.pendingEmail) {
          // Nothing else to write and the change set is final: the update and its event go together (one round trip on PostgreSQL).
          const event = userEvent(ctx, { type: 'user.updated', userId: id, changes: changeSet, at: updated_at, snapshot: after });
          if (!(await tx.users.updateAndAppend(ctx.environment, id, current.version, row, event))) throw new NotFoundError('user', id);
          return { user: after, changed: true, changes: changeSet };
        }
        if (!(await tx.users.update(ctx.environment, id, current.version, row))) throw new NotFoundError('user', id);
        if (password) await tx.users.setPassword(ctx.environment, id, { hash: password.hash, type: password.type });
        if (plan.emailChanged) Object.assign(changeSet, await unlinkMismatchedIdentities(tx, current, finalEmail));
        if (newIdentities.length > 0) changeSet.identities = { previous: null, current: await linkIdentities(tx, ctx, id, newIdentities, updated_at) };
        if (plan.pendingEmail) mails.push(...(await holdPendingEmail(tx, current, plan.pendingEmail, now)));
        await appendUserEvent(tx, ctx, { type: 'user.updated', userId: id, changes: changeSet, at: updated_at, snapshot: after });
        return { user: after, changed: true, changes: changeSet };
      });
      if (!opts.dryRun) await sendAll(mails);
      return result;
    },

    async delete(ctx: RequestContext, id: string, opts: UpdateOptions = {}): Promise<User> {
      const redact = options.deletedUserHistory !== 'keep';
      const deleted = await transaction(opts.dryRun, async (tx) => {
        const current = await lockUser(tx, ctx, id);
        if (opts.expectedVersions && !opts.expectedVersions.includes(current.version)) {
          throw new PreconditionFailedError(current.version);
        }
        const at = options.clock().toISOString();
        // Every door deletes through here: the user leaves their groups (each with its own event) first.
        await leaveAllGroups(tx, ctx, id, at);
        // Identities, codes and password attempts go with the row (ON DELETE CASCADE).
        await tx.users.delete(ctx.environment, id);
        const before = publicUser(current);
        const changes = deletionChanges(before);
        if (!redact) {
          await appendUserEvent(tx, ctx, { type: 'user.deleted', userId: id, changes, at, snapshot: before });
          return before;
        }
        // Erased in the delete's own transaction: no moment exists where the user is gone and its
        // values are still in its history. Pending deliveries read the events, so they carry the
        // skeleton from now on too.
        await appendUserEvent(tx, ctx, { type: 'user.deleted', userId: id, changes: redactChanges(changes), at, snapshot: null });
        await tx.erasure.eraseUserHistory(ctx.environment, id);
        return before;
      });
      if (redact && !opts.dryRun) {
        ctx.erased?.push(id);
        store.afterErasure();
      }
      return deleted;
    },

    /** Newest first; `after` an event: older ones, `before` it: newer ones. The cursor must be one of the user's events. */
    async events(ctx: RequestContext, id: string, page: { after?: string; before?: string; limit: number }): Promise<ListPage<UserEvent>> {
      // The events table also holds other subjects' events (a group's, under its grp_ id): those are no user's.
      if (!id.startsWith('usr_')) throw new NotFoundError('user', id);
      const cursor = page.after ?? page.before;
      const result = await store.events.listForUser(ctx.environment, id, { limit: page.limit, before: page.after, newerThan: page.before, snapshots: false });
      if (result.items.length === 0 && cursor === undefined) {
        // An id with no events at all was never a user of this environment.
        throw new NotFoundError('user', id);
      }
      if (result.items.length === 0 && cursor !== undefined && !(await store.events.has(ctx.environment, id, cursor))) {
        if (!(await store.events.listForUser(ctx.environment, id, { limit: 1, snapshots: false })).items.length) throw new NotFoundError('user', id);
        throw ValidationError.field(page.after !== undefined ? 'after' : 'before', "Is not a cursor of this list: expected an id of one of this user's events");
      }
      return result;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
