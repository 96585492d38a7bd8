/**
 * Email verification: send a code to the user's address (or to the pending one under the verify
 * policy), confirm it. The checks run in a fixed order so every failure has its own code.
 */
import { VerificationError } from '../domain/errors.ts';
import type { ChangeSet, User } from '../domain/user.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { Store } from '../store/contract.ts';
import type { Clock, RequestContext } from './context.ts';
import { unlinkMismatchedIdentities } from './email-change.ts';
import { appendUserEvent } from './user-events.ts';
import { lockUser, publicUser } from './stored-user.ts';
import { MAX_ATTEMPTS, codeMail, codeMatches, countSend, issueCode } from './verification-codes.ts';

export interface SentVerification {
  user: User;
  email: string;
  expires_at: string;
}

export function createEmailVerificationService(store: Store, clock: Clock, mailer: Mailer) {
  return {
    async send(ctx: RequestContext, userId: string): Promise<SentVerification> {
      const now = clock();
      const { user, email, code, expiresAt } = await store.transaction(async (tx) => {
        const user = await lockUser(tx, ctx, userId);
        const email = user.pending_email ?? user.email;
        if (email === null) throw new VerificationError('email_missing', 'The user has no email address to verify');
        if (user.pending_email === null && user.email_verified) {
          throw new VerificationError('email_already_verified', 'The email address is already verified');
        }
        await countSend(tx, user.id, now);
        const { code, record } = await issueCode(tx, user, email, now);
        return { user, email, code, expiresAt: record.expires_at };
      });
      // Unlike the update's mails, this one is the whole point of the call: a failure is the caller's to see.
      await mailer.send(codeMail(email, code));
      return { user: publicUser(user), email, expires_at: expiresAt };
    },

    async confirm(ctx: RequestContext, userId: string, code: string): Promise<User> {
      const now = clock();
      // A wrong code must count even though the request fails, so attempts are written in their
      // own transaction rather than rolled back with the error.
      const outcome = await store.transaction(async (tx) => {
        const user = await lockUser(tx, ctx, userId);
        const record = await tx.verifications.find(ctx.environment, userId);
        const matches = record !== null && codeMatches(code, record.code_hash);
        if (record?.used_at && matches) return { error: new VerificationError('verification_code_used', 'This code was already used') };
        if (user.pending_email === null && user.email_verified) {
          return { error: new VerificationError('email_already_verified', 'The email address is already verified') };
        }
        if (!record || record.used_at) return { error: new VerificationError('verification_code_missing', 'No verification code is outstanding; send one first') };
        if (record.expires_at <= now.toISOString()) return { error: new VerificationError('verification_code_expired', 'The code has expired; send a new one') };
        if (record.attempts >= MAX_ATTEMPTS) {
          return { error: new VerificationError('verification_attempts_exceeded', 'Too many wrong attempts; send a new code') };
        }
        if (!matches) {
          await tx.verifications.countAttempt(userId);
          return { error: new VerificationError('verification_code_incorrect', 'The code is incorrect') };
        }
        if (record.email !== (user.pending_email ?? user.email)) {
          return { error: new VerificationError('verification_code_missing', 'The code was sent to an address the user no longer has; send a new one') };
        }

        const changes: ChangeSet = {};
        const updated = { ...user };
        if (user.pending_email !== null) {
          changes.email = { previous: user.email, current: user.pending_email };
          changes.pending_email = { previous: user.pending_email, current: null };
          updated.email = user.pending_email;
          updated.pending_email = null;
        }
        if (!user.email_verified) changes.email_verified = { previous: false, current: true };
        updated.email_verified = true;
        updated.version = user.version + 1;
        updated.updated_at = now.toISOString();
        // The unique index decides again: someone may have taken the address since the code went out.
        await tx.users.update(ctx.environment, userId, user.version, {
          email: updated.email,
          pending_email: null,
          email_verified: true,
          version: updated.version,
          updated_at: updated.updated_at,
        });
        if (changes.email) Object.assign(changes, await unlinkMismatchedIdentities(tx, user, updated.email));
        await tx.verifications.markUsed(userId, now.toISOString());
        await appendUserEvent(tx, ctx, { type: 'user.updated', userId, changes, at: updated.updated_at, snapshot: publicUser(updated) });
        return { user: publicUser(updated) };
      });
      if ('error' in outcome) throw outcome.error;
      return outcome.user;
    },
  };
}

export type EmailVerificationService = ReturnType<typeof createEmailVerificationService>;
