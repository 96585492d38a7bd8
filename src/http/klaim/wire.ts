/**
 * Klaim's wire format and the canonical user, both ways. Klaim's `user_id` is the client's own id
 * (canonical `external_id`); its `klaim_id` is the canonical `usr_…` id.
 */
import { ulid } from 'ulidx';
import { emptyFieldErrors, ValidationError, type FieldErrors } from '../../domain/errors.ts';
import type { Door, User } from '../../domain/user.ts';

/** Klaim body fields and the canonical fields they write. */
const TO_CANONICAL = { user_id: 'external_id', name: 'name', email: 'email', metadata: 'metadata' } as const;
const TO_KLAIM: Record<string, string> = { external_id: 'user_id' };

/** Fields Klaim shows but never accepts in a body. */
const KLAIM_READ_ONLY: ReadonlySet<string> = new Set(['klaim_id', 'created_at', 'acquisition_source', 'credit_balance', 'message']);

export type KlaimBody = Partial<Record<keyof typeof TO_CANONICAL, unknown>>;

/** The canonical patch of a Klaim body. Only Klaim's own fields are mapped; the schema refuses others. */
export function toCanonical(body: KlaimBody): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [klaim, canonical] of Object.entries(TO_CANONICAL)) {
    if (Object.hasOwn(body, klaim)) patch[canonical] = body[klaim as keyof KlaimBody];
  }
  return patch;
}

/** Field errors keyed by Klaim's names (the domain says external_id where Klaim says user_id). */
export function inKlaimNames(details: FieldErrors): FieldErrors {
  const renamed = emptyFieldErrors();
  for (const [field, messages] of Object.entries(details)) {
    const name = TO_KLAIM[field] ?? field;
    renamed[name] = [...(renamed[name] ?? []), ...messages];
  }
  return renamed;
}

/** Runs a service call and reports its field errors under Klaim's names. */
export async function withKlaimNames<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(inKlaimNames(error.details), error.message);
    throw error;
  }
}

/** Klaim's response-only fields read as "read-only", not "unknown", when a body sends them. */
export function markReadOnly(details: FieldErrors): FieldErrors {
  const marked = emptyFieldErrors();
  for (const [field, messages] of Object.entries(details)) {
    marked[field] = KLAIM_READ_ONLY.has(field) ? ['Field is read-only'] : messages;
  }
  return marked;
}

/**
 * A system-generated user_id for a create that sends none: a ULID (26 characters, Crockford
 * base32, upper case), so generated ids sort by creation time and never clash in practice.
 */
export function generateUserId(): string {
  return ulid();
}

/**
 * Klaim's `acquisition_source`: how the user came to be. Every API door is "api" (as in the seed);
 * users imported with the CLI are "import"; users made on the admin page are "dashboard".
 */
export function acquisitionSource(source: Door): string {
  switch (source) {
    case 'v1':
    case 'workos':
    case 'proficient':
    case 'klaim':
    case 'stateset':
      return 'api';
    case 'cli':
      return 'import';
    case 'console':
      return 'dashboard';
  }
}

/** Klaim's credit balance lives in the user's `klaim` extension; a user without one has 0. */
export function creditBalance(user: User): number {
  const balance = user.extensions.klaim?.credit_balance;
  return typeof balance === 'number' && Number.isFinite(balance) ? balance : 0;
}

export const MESSAGES = {
  fetched: 'fetch resource successfully',
  created: 'create resource successfully',
  deleted: 'delete resource successfully',
} as const;

/** The user in the seed's response shape, with the seed's `message` first. */
export function klaimUser(user: User, message: string) {
  return {
    message,
    metadata: user.metadata,
    user_id: user.external_id,
    klaim_id: user.id,
    created_at: Date.parse(user.created_at),
    acquisition_source: acquisitionSource(user.source),
    credit_balance: creditBalance(user),
    email: user.email,
    name: user.name,
  };
}
