/**
 * The password migration hook (issue 15, item 5): for users imported without a usable hash
 * (Cognito, an Auth0 export without its hash file), the first verify asks the old system whether the
 * password is right. The call is signed like our webhooks (Standard Webhooks: webhook-id,
 * webhook-timestamp, webhook-signature with a whsec_ secret) and time-limited.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { PasswordMigrationConfig } from '../config.ts';
import { UnavailableError } from '../domain/errors.ts';

/** The hook's verdict: 'match' stores the password; 'no_match' is a wrong password. Outages throw. */
export type HookVerdict = 'match' | 'no_match';

/** Seconds a caller is told to wait after a hook outage. */
const RETRY_AFTER_SECONDS = 5;

export function createPasswordMigrationHook(config: PasswordMigrationConfig) {
  const signer = new Webhook(config.secret);
  const outage = (why: string) =>
    new UnavailableError(`The password migration hook (USERPLANE_PASSWORD_MIGRATION_URL) ${why}; the password was not checked, retry shortly`, RETRY_AFTER_SECONDS);

  return {
    /**
     * Posts {identifier, password}. A 2xx JSON answer decides: {"status": "password_match"} is a
     * match, any other status a wrong password. No answer in time, a refused connection, a non-2xx
     * status or a body that is not such JSON is an outage (UnavailableError), never a wrong password.
     */
    async check(identifier: string, password: string): Promise<HookVerdict> {
      const body = JSON.stringify({ identifier, password });
      const id = `msg_${randomUUID()}`;
      const now = new Date();
      let response: Response;
      try {
        response = await fetch(config.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': signer.sign(id, now, body),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(config.timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        throw outage(timedOut ? `did not answer within ${config.timeoutMs} ms (USERPLANE_PASSWORD_MIGRATION_TIMEOUT_MS)` : 'could not be reached');
      }
      let answer: unknown;
      try {
        // The body is read under the same deadline: a hook that stalls mid-answer is an outage too.
        answer = await response.json();
      } catch {
        throw outage(response.ok ? 'answered with a body that is not JSON' : `answered ${response.status}`);
      }
      if (!response.ok) throw outage(`answered ${response.status}`);
      const status = answer !== null && typeof answer === 'object' ? (answer as { status?: unknown }).status : undefined;
      if (typeof status !== 'string') throw outage('answered without a "status" string');
      return status === 'password_match' ? 'match' : 'no_match';
    },
  };
}

export type PasswordMigrationHook = ReturnType<typeof createPasswordMigrationHook>;
