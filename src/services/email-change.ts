/**
 * What an email change brings with it inside the update's transaction: identities whose email no
 * longer matches are unlinked, and under the verify policy a code goes to the new address.
 */
import { normalizeIdentifier, type ChangeSet, type JsonValue } from '../domain/user.ts';
import type { MailMessage } from '../mail/mailer.ts';
import type { Identity, StoreQueries, StoredUser } from '../store/contract.ts';
import { codeMail, countSend, emailChangeNotice, issueCode } from './verification-codes.ts';

export function identitySummary(identity: Identity): JsonValue {
  return { id: identity.id, provider: identity.provider, provider_user_id: identity.provider_user_id, email: identity.email };
}

/** Unlinks the user's identities whose email differs from `email`; returns the change to record. */
export async function unlinkMismatchedIdentities(tx: StoreQueries, user: StoredUser, email: string | null): Promise<ChangeSet> {
  const identities = await tx.identities.listForUser(user.environment, user.id);
  const target = email === null ? null : normalizeIdentifier(email);
  const stale = identities.filter((identity) => identity.email !== null && normalizeIdentifier(identity.email) !== target);
  if (stale.length === 0) return {};
  await tx.identities.delete(user.environment, user.id, stale.map((identity) => identity.id));
  return { unlinked_identities: { previous: stale.map(identitySummary), current: null } };
}

/** Verify policy: a code for the pending address, and a notice to the current one. Mail after commit. */
export async function holdPendingEmail(tx: StoreQueries, user: StoredUser, pendingEmail: string, now: Date): Promise<MailMessage[]> {
  // The same hourly limit as the send endpoint: a PATCH is no way around it (429 over it).
  await countSend(tx, user.id, now);
  // Wrong guesses at an outstanding code carry over to its replacement: a new PATCH is no way to
  // reset them either (only the rate-limited send endpoint starts a code afresh).
  const outstanding = await tx.verifications.find(user.environment, user.id);
  const live = outstanding !== null && outstanding.used_at === null && outstanding.expires_at > now.toISOString();
  const { code } = await issueCode(tx, user, pendingEmail, now, live ? outstanding.attempts : 0);
  const mails = [codeMail(pendingEmail, code)];
  if (user.email) mails.push(emailChangeNotice(user.email, pendingEmail));
  return mails;
}
