/**
 * A batch's creates written together (issue 15, item 3: an import's speed). Each create is planned
 * (validated, claimed) in its turn like any operation, but its row and event wait here and are
 * written with the creates around it in a few multi-row statements, in one transaction of their
 * own. What each operation answers does not change:
 *
 * - only a create whose email, username and external_id no stored user has (read ahead, in one
 *   statement per field) waits here; the others run on their own and fail as themselves;
 * - the waiting creates are written before any other write of the batch, so events keep request order;
 * - if writing them together fails all the same (a value taken meanwhile by another request),
 *   nothing of them is written and each is created again on its own, with its own result.
 */
import { normalizeIdentifier } from '../domain/user.ts';
import type { StoredUser, UniqueUserField } from '../store/contract.ts';
import type { RequestContext } from './context.ts';
import type { PlannedCreate, UserService } from './user-service.ts';

/** Creates written per transaction at most (a PostgreSQL batch's, which has no group around it). */
export const CREATES_PER_WRITE = 100;

const UNIQUE_FIELDS = ['email', 'username', 'external_id'] as const satisfies readonly UniqueUserField[];

/** `field:value` as the store compares it: external_id exactly, email and username after normalizeIdentifier. */
export function takenKey(field: UniqueUserField, value: string): string {
  return `${field}:${field === 'external_id' ? value : normalizeIdentifier(value)}`;
}

/** Every unique value of these (stored) users, as takenKey gives it. */
export function takenValues(users: ReadonlyArray<Pick<StoredUser, UniqueUserField>>): Set<string> {
  const taken = new Set<string>();
  for (const user of users) {
    for (const field of UNIQUE_FIELDS) {
      const value = user[field];
      if (value !== null) taken.add(takenKey(field, value));
    }
  }
  return taken;
}

interface Waiting<R> {
  index: number;
  planned: PlannedCreate;
  /** The create on its own, should writing them together fail. */
  alone: () => Promise<R>;
}

export class DeferredCreates<R> {
  private waiting: Array<Waiting<R>> = [];

  constructor(
    private readonly ctx: RequestContext,
    private readonly users: UserService,
    /** Unique values stored users hold, read ahead for this run's creates (see takenValues). */
    private readonly taken: ReadonlySet<string>,
    /** Where a create made on its own after all puts its result (or its error). */
    private readonly settle: (index: number, outcome: { result: R } | { error: unknown }) => void,
  ) {}

  /** Whether this planned user may wait: none of its unique values is known to be stored. */
  fits(user: StoredUser): boolean {
    return UNIQUE_FIELDS.every((field) => user[field] === null || !this.taken.has(takenKey(field, user[field]!)));
  }

  add(index: number, planned: PlannedCreate, alone: () => Promise<R>): void {
    this.waiting.push({ index, planned, alone });
  }

  /** True when enough creates wait that they should be written now (after the last one's result is recorded). */
  get full(): boolean {
    return this.waiting.length >= CREATES_PER_WRITE;
  }

  /** Writes the waiting creates; called before any other write of the batch and at its end. */
  async flush(): Promise<void> {
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    try {
      await this.users.createPlanned(this.ctx, waiting.map((w) => w.planned));
    } catch {
      // Nothing of them was written (their transaction rolled back): each goes on its own.
      for (const w of waiting) {
        try {
          this.settle(w.index, { result: await w.alone() });
        } catch (error) {
          this.settle(w.index, { error });
        }
      }
    }
  }
}
