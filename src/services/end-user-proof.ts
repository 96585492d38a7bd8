/**
 * Proof of an end user, for publishable keys created with require_user_proof: the application's
 * backend vouches for its signed-in user, as in-app messaging vendors do it. Either an HMAC-SHA256
 * of the external id keyed with the key's user-proof secret (X-User-Hash, hex), or a short-lived
 * JWT of the configured OAuth issuer whose `sub` is the external id (X-User-Token).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './api-key-service.ts';
import type { TokenVerifier } from './oauth-tokens.ts';

/** What the application's backend computes: hex HMAC-SHA256 of the external id (UTF-8). */
export function userHash(secret: string, externalId: string): string {
  return createHmac('sha256', secret).update(externalId, 'utf8').digest('hex');
}

export interface EndUserProofInput {
  hash?: string;
  token?: string;
}

export function createEndUserProof(tokens: TokenVerifier | null, maxTokenLifetimeSeconds: number) {
  return {
    /** Whether this principal's key demands a proof at all. */
    required: (principal: Principal): boolean => principal.userProofSecret !== undefined,

    /** True when `proof` vouches for `externalId` under this principal's key (always, for a key without the mode). */
    async proves(principal: Principal, externalId: string, proof: EndUserProofInput): Promise<boolean> {
      const secret = principal.userProofSecret;
      if (secret === undefined) return true;
      if (proof.hash !== undefined) {
        // Constant time: a byte-by-byte comparison would let a caller find the HMAC by timing.
        const expected = Buffer.from(userHash(secret, externalId));
        const given = Buffer.from(proof.hash.trim().toLowerCase());
        if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
      }
      if (proof.token !== undefined && tokens) return tokens.provesEndUser(proof.token, externalId, maxTokenLifetimeSeconds);
      return false;
    },
  };
}

export type EndUserProof = ReturnType<typeof createEndUserProof>;
