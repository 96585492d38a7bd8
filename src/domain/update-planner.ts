/**
 * The update planner: a pure function from (current user, patch, policy) to the changes to write,
 * or a ValidationError naming every offending field. Every door's update goes through it.
 */
import { emptyFieldErrors, ValidationError } from './errors.ts';
import { checkMetadataLimits, isJsonObject, jsonEqual, mergePatch } from './metadata.ts';
import {
  IDENTIFIER_FIELDS,
  NON_NULLABLE_FIELDS,
  READ_ONLY_FIELDS,
  SECRET_FIELDS,
  WRITABLE_FIELDS,
  normalizeIdentifier,
  type ChangeSet,
  type JsonObject,
  type JsonValue,
  type User,
  type UserChanges,
  type UserPatch,
  type WritableField,
} from './user.ts';
import { FIELD_RULES } from './user-fields.ts';
import type { ValidationPolicy } from './validation.ts';

/** Metadata rules a door adds to the canonical ones, for the planner to apply to the user as it is. */
export interface MetadataPolicy {
  /**
   * A door's own, smaller limit on metadata keys (WorkOS: 10). It applies only to a patch that adds
   * a key, so keys given through other doors can still be changed or deleted through this one.
   */
  metadataMaxKeys?: number;
}

export interface PlanPolicy extends ValidationPolicy, MetadataPolicy {
  /** `verify`: a new email waits in pending_email until its code is confirmed. */
  emailChange: 'direct' | 'verify';
}

export interface UpdatePlan {
  /** Column values to write; empty when nothing changes. */
  changes: UserChanges;
  /** Changed fields with previous and new values, for the event. */
  changeSet: ChangeSet;
  /** The email address moved to a different mailbox (not just a change of letter case). */
  emailChanged: boolean;
  /** A new address waiting for confirmation (verify policy). */
  pendingEmail: string | null;
}

const WRITABLE: ReadonlySet<string> = new Set(WRITABLE_FIELDS);
const READ_ONLY: ReadonlySet<string> = new Set(READ_ONLY_FIELDS);
const SECRET: ReadonlySet<string> = new Set(SECRET_FIELDS);

/**
 * Validates every field of an untyped patch. Returns the values to apply (null meaning "clear")
 * or throws with details for all bad fields at once.
 */
export function validatePatch(patch: Record<string, unknown>, policy: ValidationPolicy): UserPatch {
  const details = emptyFieldErrors();
  const clean: UserPatch = {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === undefined) continue;
    if (!WRITABLE.has(key)) {
      details[key] = [unwritableMessage(key)];
      continue;
    }
    const field = key as WritableField;
    if (value === null) {
      if (NON_NULLABLE_FIELDS.has(field)) details[field] = ['Must not be null'];
      else clean[field] = null;
      continue;
    }
    const checked = FIELD_RULES[field](value, policy);
    if (checked.ok) clean[field] = checked.value;
    else details[field] = checked.messages;
  }
  if (Object.keys(details).length > 0) throw new ValidationError(details);
  return clean;
}

function unwritableMessage(key: string): string {
  if (READ_ONLY.has(key)) return 'Field is read-only';
  // Each door names its own password endpoint in its schema's message, which wins over this one.
  if (SECRET.has(key)) return 'Passwords are set separately, never in a patch';
  return 'Unknown field';
}

/** Plans an update of `current` by `patch` (untyped wire input, already mapped to canonical names). */
export function planUpdate(current: User, patch: Record<string, unknown>, policy: PlanPolicy): UpdatePlan {
  checkDoorKeyLimit(current.metadata, patch.metadata, policy);
  const input = validatePatch(patch, policy);
  const changes: UserChanges = {};
  const changeSet: ChangeSet = {};
  const set = <K extends keyof UserChanges>(field: K, value: UserChanges[K]) => {
    const previous = current[field] as JsonValue;
    if (jsonEqual(previous, value as JsonValue)) return;
    (changes as Record<string, unknown>)[field] = value;
    changeSet[field] = { previous, current: value as JsonValue };
  };

  for (const field of WRITABLE_FIELDS) {
    if (!(field in input) || field === 'email' || field === 'email_verified' || field === 'metadata') continue;
    set(field, input[field] as never);
  }

  if ('metadata' in input) {
    // null clears every key; an object is merged (RFC 7396).
    const merged = input.metadata === null ? {} : (mergePatch(current.metadata, input.metadata as JsonObject) as JsonObject);
    const problems = checkMetadataLimits(merged);
    if (problems.length > 0) throw new ValidationError({ metadata: problems });
    set('metadata', merged);
  }

  let emailChanged = false;
  let pendingEmail: string | null = null;
  if ('email' in input) {
    const next = input.email as string | null;
    emailChanged = !sameMailbox(current.email, next);
    if (emailChanged && policy.emailChange === 'verify' && next !== null && input.email_verified !== true) {
      // The address stays as it is until the new one is confirmed.
      pendingEmail = next;
      set('pending_email', next);
      emailChanged = false;
    } else {
      set('email', next);
      if (emailChanged) set('pending_email', null);
    }
  }
  if ('email_verified' in input) set('email_verified', input.email_verified as boolean);
  else if (emailChanged) set('email_verified', false);

  requireIdentifier({ ...current, ...changes });
  return { changes, changeSet, emailChanged, pendingEmail };
}

function sameMailbox(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return normalizeIdentifier(a) === normalizeIdentifier(b);
}

/** A user must stay findable: at least one of email, username and external_id is kept. */
export function requireIdentifier(user: Pick<User, (typeof IDENTIFIER_FIELDS)[number]>): void {
  if (IDENTIFIER_FIELDS.some((field) => user[field] !== null)) return;
  const message = 'A user needs at least one of email, username or external_id';
  throw new ValidationError(Object.fromEntries(IDENTIFIER_FIELDS.map((field) => [field, [message]])));
}

/** The door's key limit (MetadataPolicy), checked before the fields as a door's own metadata rules are. */
function checkDoorKeyLimit(current: JsonObject, patch: unknown, policy: MetadataPolicy): void {
  const max = policy.metadataMaxKeys;
  if (max === undefined || !isJsonObject(patch)) return;
  const adds = Object.keys(patch).some((key) => patch[key] !== null && !Object.hasOwn(current, key));
  if (!adds || Object.keys(mergePatch(current, patch) as JsonObject).length <= max) return;
  const message = `Metadata may hold at most ${max} keys`;
  throw new ValidationError({ metadata: [message] }, message, 'metadata_rejected');
}

/** Default values of a new user before its input is applied. */
export function planCreate(input: Record<string, unknown>, policy: ValidationPolicy & MetadataPolicy): UserPatch {
  checkDoorKeyLimit({}, input.metadata, policy);
  const clean = validatePatch(input, policy);
  if (clean.metadata === null) clean.metadata = {};
  if (clean.metadata) {
    const problems = checkMetadataLimits(clean.metadata as JsonObject);
    if (problems.length > 0) throw new ValidationError({ metadata: problems });
  }
  requireIdentifier({
    email: (clean.email as string | null | undefined) ?? null,
    username: (clean.username as string | null | undefined) ?? null,
    external_id: (clean.external_id as string | null | undefined) ?? null,
  });
  return clean;
}
