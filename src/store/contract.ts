/**
 * The storage contract. Services depend on this interface only; the Kysely implementation in
 * ./kysely-store.ts serves it on SQLite and PostgreSQL, and test/store-contract.test.ts holds
 * both to it.
 */
import type { Group, GroupWithCount } from '../domain/group.ts';
import type { ChangeSet, Door, Environment, User, UserChanges } from '../domain/user.ts';
import type { UserCondition } from '../domain/user-condition.ts';
import type { Capabilities } from './capabilities.ts';
import type { PoolStats } from './connection.ts';
import type { CommitStats } from './sqlite-driver.ts';
import type { DeliveryWithAttempts, WebhookQueries } from './webhook-contract.ts';

/** A user with its private columns, as the store keeps it. */
export interface StoredUser extends User {
  password_hash: string | null;
  password_hash_type: string | null;
}

export interface UserFilter {
  email?: string;
  username?: string;
  external_id?: string;
  /**
   * Search (the admin console's): users any of whose email, username, external_id, first_name,
   * last_name, name or "first_name last_name" starts with this text, case-insensitively. LIKE
   * wildcards in it are plain characters. Names fold ASCII case only (the databases' lower()).
   */
  q?: string;
  /** A parsed filter (`?filter=` on /v1), in canonical terms; combines with the others. */
  where?: UserCondition;
}

export interface UserListOptions {
  limit: number;
  after?: string;
  /** Pages backwards from this id; not together with `after`. */
  before?: string;
  /** By id, i.e. creation order; 'asc' when not given. */
  order?: 'asc' | 'desc';
}

export interface ListPage<T> {
  items: T[];
  hasMore: boolean;
}

export type UserEventType = 'user.created' | 'user.updated' | 'user.deleted';
export type GroupEventType = 'group.created' | 'group.updated' | 'group.deleted';

/** True for the events whose subject is a group (their snapshot is a Group). */
export function isGroupEvent(event: Pick<UserEvent, 'type'>): boolean {
  return event.type.startsWith('group.');
}

export interface UserEvent {
  id: string;
  seq: number;
  environment: Environment;
  /**
   * The event's SUBJECT (shared decision, EVENTS-NOTE): the user id for user.* events, the group id
   * (grp_…) for group.* events, the literal `environment` for environment-wide ones such as users.exported.
   */
  user_id: string;
  /** user.exported and users.exported: audit entries (the subject export, the export of every user), never webhooks. */
  type: UserEventType | GroupEventType | 'user.exported' | 'users.exported';
  actor: string;
  request_id: string | null;
  door: Door;
  changes: ChangeSet;
  created_at: string;
  /**
   * The public user after the change (before it, for user.deleted), for webhook payloads: kept only
   * when an endpoint takes the event, so null on most; null too on erased events and those from
   * before webhooks. For group.* events, the group (with its member count) instead. Stored with the
   * user's metadata keys only and read back whole (store/event-snapshots.ts), unless the read is
   * asked for no snapshots.
   */
  snapshot: User | GroupWithCount | null;
}

export type ApiKeyType = 'secret' | 'publishable';
export type Scope = 'read' | 'write' | 'admin';

export interface ApiKeyRecord {
  id: string;
  environment: Environment;
  name: string;
  type: ApiKeyType;
  scopes: Scope[];
  secret_hash: string;
  /** The first characters of the secret and its last four, for telling keys apart. */
  preview: string;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
  /**
   * Publishable keys only: the secret with which the application's backend proves its end users
   * (HMAC-SHA256 of the external id, sent as X-User-Hash). Absent: the key needs no such proof.
   */
  user_proof_secret?: string;
}

/** The user fields whose values are unique per environment. */
export type UniqueUserField = 'email' | 'username' | 'external_id';

export interface UserQueries {
  /** The user, or null when no user has this id in this environment. `lock` holds it until commit. */
  findById(environment: Environment, id: string, options?: { lock?: boolean }): Promise<StoredUser | null>;
  /** Inserts a new user. Throws ConflictError when email, username or external_id is taken. */
  insert(user: StoredUser): Promise<void>;
  /**
   * Inserts these new users, many rows per statement. Throws ConflictError when a unique value is
   * taken (by a stored user or another of them); the caller's transaction is then to be rolled back,
   * as some rows may be written.
   */
  insertMany(users: readonly StoredUser[]): Promise<void>;
  /**
   * Writes `changes` and the new version/updated_at if the row still has `expectedVersion`.
   * Returns false when no row matched. Throws ConflictError on a unique violation.
   */
  update(
    environment: Environment,
    id: string,
    expectedVersion: number,
    changes: UserChanges & { version: number; updated_at: string },
  ): Promise<boolean>;
  /**
   * update(), and when it matched, events.append(event) in the same transaction: together in one
   * statement where the database allows (PostgreSQL), so a PATCH costs one round trip less. Returns
   * false, appending nothing, when nothing matched.
   */
  updateAndAppend(
    environment: Environment,
    id: string,
    expectedVersion: number,
    changes: UserChanges & { version: number; updated_at: string },
    event: Parameters<EventQueries['append']>[0],
  ): Promise<boolean>;
  /**
   * Sets or clears the stored password hash. With `onlyIfHash`, writes only while the stored
   * hash is still that one (a re-hash must not undo a concurrent password change).
   * Returns false when no row matched.
   */
  setPassword(environment: Environment, id: string, hash: { hash: string; type: string } | null, onlyIfHash?: string): Promise<boolean>;
  /** Deletes the user. Returns false when nothing matched. */
  delete(environment: Environment, id: string): Promise<boolean>;
  /**
   * Users of the environment in id order (creation order), ascending unless `order` is 'desc'.
   * `after`: the page that follows the cursor id in that order; `hasMore` says whether more follow.
   * `before`: the page that precedes the cursor id (the `limit` users nearest it, still listed in
   * `order`); `hasMore` then says whether more precede it. The cursor need not exist any more.
   * Email and username filters compare case-insensitively (NFKC); external_id exactly.
   */
  list(environment: Environment, filter: UserFilter, options: UserListOptions): Promise<ListPage<StoredUser>>;
  /**
   * The users of the environment whose `field` is one of `values` (a batch's upsert matches, read
   * in one statement per 500 values instead of one each): external_id exactly, email and username
   * case-insensitively (NFKC) as in list. Values matching no user return nothing; order is undefined.
   */
  findMany(environment: Environment, field: UniqueUserField, values: readonly string[]): Promise<StoredUser[]>;
  /**
   * Users matching the condition in id order, by position (SCIM's startIndex/count): `offset` users
   * skipped, at most `limit` returned (0 counts only), and how many match in all.
   */
  query(environment: Environment, where: UserCondition, options: { offset: number; limit: number }): Promise<{ items: StoredUser[]; total: number }>;
}

/** An event to append: `bulk` marks an import's (its deliveries go behind live ones). */
export type NewEvent = Omit<UserEvent, 'seq' | 'snapshot'> & { snapshot?: User | GroupWithCount | null; bulk?: boolean };

export interface EventQueries {
  /**
   * Appends the event, and queues one webhook delivery of it for every enabled endpoint of its
   * environment subscribed to its type, in the caller's transaction. `snapshot` defaults to null.
   */
  append(event: NewEvent): Promise<void>;
  /**
   * append() for many events, in this order (seq ascending), with a few statements for all of them
   * instead of a few each. Does nothing for an empty list.
   */
  appendMany(events: readonly NewEvent[]): Promise<void>;
  /**
   * Events of one user, newest first. `before`: only older events than that event id; `newerThan`:
   * the `limit` events just newer than it (still newest first, hasMore: more newer ones exist).
   * `snapshots: false`: every snapshot is null (a caller that shows none spares rebuilding them).
   */
  listForUser(environment: Environment, userId: string, options: { before?: string; newerThan?: string; limit: number; snapshots?: boolean }): Promise<ListPage<UserEvent>>;
  /** True when this event id is one of this user's events. */
  has(environment: Environment, userId: string, eventId: string): Promise<boolean>;
}

/**
 * Where an event stands in the environment's feed: the writing transaction's id (PostgreSQL's xid8
 * as decimal text; "0" on SQLite and for events written before migration 012), then its seq.
 */
export interface FeedPosition {
  xid: string;
  seq: number;
}

export interface FeedEvent {
  event: UserEvent;
  position: FeedPosition;
}

/**
 * The pull feed (issue 16, item 4). `UserEvent.user_id` is the event's SUBJECT id here: a user id
 * for user.* events, and after other branches land a group id (grp_…) or the literal `environment`.
 */
export interface FeedQueries {
  /**
   * The environment's events in feed order (writing transaction, then seq), just after `after`.
   * Only events that no transaction still running can precede are listed, so a reader that
   * continues from the last position it was given never misses an event. `types`: only these
   * types; `since`/`until`: created_at at or after / before these ISO times. `snapshots: false`:
   * every snapshot is null (a caller that shows none spares reading and rebuilding them).
   */
  list(
    environment: Environment,
    options: { after?: FeedPosition; types?: readonly string[]; since?: string; until?: string; limit: number; snapshots?: boolean },
  ): Promise<ListPage<FeedEvent>>;
  /** The feed position of this event of the environment, or null when it has none such. */
  positionOf(environment: Environment, eventId: string): Promise<FeedPosition | null>;
}

/** What the store holds about one subject, for a data-subject export (issue 16, item 5). */
export interface SubjectQueries {
  /** Every webhook delivery of the subject's events, in event order, each with its attempts. */
  deliveriesAbout(environment: Environment, subjectId: string): Promise<DeliveryWithAttempts[]>;
}

export interface ApiKeyQueries {
  insert(key: ApiKeyRecord): Promise<void>;
  /** The key whose secret hashes to this value, revoked or not (with its user_proof_secret, if any); null when none. */
  findBySecretHash(secretHash: string): Promise<ApiKeyRecord | null>;
  list(environment: Environment): Promise<ApiKeyRecord[]>;
  /** One page of the environment's keys in id order; `after`/`before` as in UserQueries.list. */
  page(environment: Environment, options: { limit: number; after?: string; before?: string }): Promise<ListPage<ApiKeyRecord>>;
  /** Marks the key revoked. Returns false when no unrevoked key had this id. */
  revoke(environment: Environment, id: string, at: string): Promise<boolean>;
  /** Number of keys in the whole store, revoked included. */
  count(): Promise<number>;
}

export interface Identity {
  id: string;
  environment: Environment;
  user_id: string;
  provider: string;
  provider_user_id: string;
  email: string | null;
  created_at: string;
}

export interface IdentityQueries {
  /** A user's identities, oldest first. */
  listForUser(environment: Environment, userId: string): Promise<Identity[]>;
  /** The identities of these users (one page of an export), oldest first. */
  listForUsers(environment: Environment, userIds: readonly string[]): Promise<Identity[]>;
  /** Throws ConflictError('identity') when (environment, provider, provider_user_id) is taken. */
  insert(identity: Identity): Promise<void>;
  /** Deletes these identities of the user; returns how many went. */
  delete(environment: Environment, userId: string, ids: readonly string[]): Promise<number>;
}

/** The one outstanding email verification code of a user (a new send replaces it). */
export interface EmailVerification {
  user_id: string;
  environment: Environment;
  /** The address the code was sent to: the current email, or the pending one. */
  email: string;
  code_hash: string;
  attempts: number;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface VerificationQueries {
  /** The user's code record, or null when none was ever sent. */
  find(environment: Environment, userId: string): Promise<EmailVerification | null>;
  /** Inserts or replaces the user's code record. */
  replace(record: EmailVerification): Promise<void>;
  /** Records a wrong attempt. */
  countAttempt(userId: string): Promise<void>;
  markUsed(userId: string, at: string): Promise<void>;
  /** Records a send and returns how many sends the user had since `since` (this one included). */
  recordSend(userId: string, at: string, since: string): Promise<number>;
  /** Deletes at most `size` code records that expired before `before` (oldest first); returns how many. */
  purgeExpiredBatch(before: string, size: number): Promise<number>;
  /** Deletes at most about `size` send records older than `before`; returns how many. */
  purgeSendsBatch(before: string, size: number): Promise<number>;
}

/** A request made with an Idempotency-Key, and once it finished, the response it got. */
export interface IdempotencyRecord {
  environment: Environment;
  credential: string;
  key: string;
  /** SHA-256 of method, path and body: the same key with another request is refused. */
  request_hash: string;
  state: 'in_progress' | 'completed';
  response: StoredResponse | null;
  created_at: string;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IdempotencyQueries {
  /** Inserts an in-progress record; false when (environment, credential, key) already exists. */
  claim(record: Pick<IdempotencyRecord, 'environment' | 'credential' | 'key' | 'request_hash' | 'created_at'>): Promise<boolean>;
  /** The record, or null when there is none. */
  find(environment: Environment, credential: string, key: string): Promise<IdempotencyRecord | null>;
  /** Stores the final response of a claimed request. */
  complete(environment: Environment, credential: string, key: string, response: StoredResponse): Promise<void>;
  /** Forgets a record (a failed attempt may be retried); with `createdAt`, only that exact claim. */
  release(environment: Environment, credential: string, key: string, createdAt?: string): Promise<void>;
  /** Deletes records created before `before`; returns how many. */
  purge(before: string): Promise<number>;
  /** Deletes at most `size` of them, oldest first: one short statement (the sweeps call it in a loop). */
  purgeBatch(before: string, size: number): Promise<number>;
}

/**
 * Password verifies per user, for the failed-verify limit (issue 12): an attempt is recorded before
 * the hash is checked and forgotten unless the password was wrong, so what remains in the window
 * are failures plus verifies still running, in every process sharing the database.
 */
export interface PasswordAttemptQueries {
  /**
   * Records the attempt and deletes the user's attempts made at or before `since`. Returns how many
   * attempts the user has after `since` (this one included) and when the oldest of them was made.
   */
  begin(attempt: { id: string; user_id: string; attempted_at: string }, since: string): Promise<{ count: number; oldest: string }>;
  /** Deletes one attempt (it verified, was refused, or ended without an answer). */
  forget(id: string): Promise<void>;
}

/** Erasing a deleted user's values (issue 16, item 1). */
export interface ErasureQueries {
  /**
   * Every event of the user keeps its skeleton and loses its values (each previous/current becomes
   * the marker of ../domain/redaction.ts, the snapshot goes); completed Idempotency-Key responses
   * of the environment that name the user (its id's ULID, in any door's form) are replaced by a
   * redacted body. Idempotent. Returns how many rows it changed.
   */
  eraseUserHistory(environment: Environment, userId: string): Promise<{ events: number; idempotency: number }>;
  /**
   * Users that a user.deleted event created before `before` names and no users row holds any more,
   * in event order after `afterSeq`, at most `limit`: what `userplane erase --deleted-before` walks.
   */
  deletedUsers(before: string, limit: number, afterSeq: number): Promise<Array<{ seq: number; environment: Environment; user_id: string }>>;
}

/** The retention sweeps' deletes (issue 16, item 2): each one short statement of at most `size` rows. */
export interface RetentionQueries {
  /**
   * Events created before `before`, oldest first. An event with a pending delivery is kept, and so
   * is every later event of its subject: its payload's user is rebuilt from them (event-snapshots.ts).
   */
  pruneEventsBatch(before: string, size: number): Promise<number>;
  /** Finished (succeeded or failed) webhook deliveries created before `before`, with their attempts. */
  pruneDeliveriesBatch(before: string, size: number): Promise<number>;
}

export interface GroupFilter {
  /** Exact name, compared case-insensitively (NFKC). */
  display_name?: string;
  /** Exact external id. */
  external_id?: string;
  /** Exactly this group id (SCIM's `id eq "…"`). */
  id?: string;
  /** Only groups this user is a member of (Entra's `members eq "…"` check). */
  member?: string;
}

export interface GroupQueries {
  /** The group with its member count, or null when this environment has no such group. `lock` holds it until commit. */
  findById(environment: Environment, id: string, options?: { lock?: boolean }): Promise<GroupWithCount | null>;
  /** Inserts a new group (members are added with addMembers). Throws ConflictError('external_id') when its external id is taken. */
  insert(group: Group): Promise<void>;
  /**
   * Writes the name, external id, new version and updated_at if the row still has `expectedVersion`.
   * Returns false when no row matched. Throws ConflictError('external_id') on a unique violation.
   */
  update(
    environment: Environment,
    id: string,
    expectedVersion: number,
    changes: Partial<Pick<Group, 'display_name' | 'external_id'>> & { version: number; updated_at: string },
  ): Promise<boolean>;
  /** Deletes the group and its memberships. Returns false when nothing matched. */
  delete(environment: Environment, id: string): Promise<boolean>;
  /** Groups of the environment in id order, filtered; paging as in UserQueries.list. */
  list(environment: Environment, filter: GroupFilter, options: UserListOptions): Promise<ListPage<GroupWithCount>>;
  /** One offset page of the filtered groups in id order, and how many match in all (SCIM's startIndex/count). */
  query(environment: Environment, filter: GroupFilter, page: { offset: number; limit: number }): Promise<{ items: GroupWithCount[]; total: number }>;
  /** Every member's user id, in id order. */
  memberIds(groupId: string): Promise<string[]>;
  /** Every member's user id of each of these groups (one statement per 500 groups); a group without members maps to []. */
  memberIdsOfGroups(groupIds: readonly string[]): Promise<Map<string, string[]>>;
  /** One page of a group's members (users), in id order; paging as in UserQueries.list. */
  members(environment: Environment, groupId: string, options: UserListOptions): Promise<ListPage<StoredUser>>;
  /** Adds these users (not members yet) to the group. */
  addMembers(groupId: string, userIds: readonly string[], at: string): Promise<void>;
  /** Removes these users from the group; returns how many were members. */
  removeMembers(groupId: string, userIds: readonly string[]): Promise<number>;
  /** One page of the groups the user is a member of, in group id order. */
  listForUser(environment: Environment, userId: string, options: UserListOptions): Promise<ListPage<GroupWithCount>>;
  /** Every group id the user is a member of, sorted; with `lock`, those groups are locked until commit. */
  groupIdsOfUser(environment: Environment, userId: string, options?: { lock?: boolean }): Promise<string[]>;
  /**
   * Which of these ids are users of the environment. With `lock`, holds them against deletion
   * until commit (PostgreSQL: FOR KEY SHARE), so a membership never points at a user deleted meanwhile.
   */
  existingUserIds(environment: Environment, userIds: readonly string[], options?: { lock?: boolean }): Promise<Set<string>>;
}

export interface StoreQueries {
  users: UserQueries;
  events: EventQueries;
  apiKeys: ApiKeyQueries;
  identities: IdentityQueries;
  verifications: VerificationQueries;
  idempotency: IdempotencyQueries;
  passwordAttempts: PasswordAttemptQueries;
  webhooks: WebhookQueries;
  erasure: ErasureQueries;
  retention: RetentionQueries;
  feed: FeedQueries;
  subjects: SubjectQueries;

  groups: GroupQueries;
}

export interface Store extends StoreQueries {
  readonly capabilities: Capabilities;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: StoreQueries) => Promise<T>): Promise<T>;
  /**
   * Where the whole database is locked by a writer (SQLite): runs `work` with a store whose
   * transactions are savepoints of one transaction, committed when `work` resolves. Each inner
   * transaction stays atomic on its own (a failed one is rolled back to its savepoint, the others
   * stay), but the pages they share are written once per group instead of once each: a batch
   * import's biggest cost. Absent where rows are locked one by one (PostgreSQL), since holding
   * many rows' locks until one commit could deadlock concurrent batches.
   */
  group?<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Resolves when requests can be served: the database answers, has this version's schema, and
   * writes are not failing for lack of space. Otherwise rejects with the reason.
   */
  readiness(): Promise<void>;
  /**
   * After a commit that erased personal data: on SQLite, soon checkpoints the WAL and truncates it
   * (deleted pages are zeroed already: secure_delete), so the erased values leave the files; a
   * no-op on PostgreSQL, where VACUUM reclaims dead rows (README "Personal data").
   */
  afterErasure(): void;
  /** The connection pool's total, idle and waiting counts now; null on SQLite, which has no pool. */
  poolStats(): PoolStats | null;
  /** SQLite: transactions committed and the COMMITs that made them durable, so far; null on PostgreSQL. */
  commitStats(): CommitStats | null;
  close(): Promise<void>;
}
