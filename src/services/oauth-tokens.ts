/**
 * OAuth 2.0 bearer JWTs (seed 001: "an OAuth 2.0 token with `write` scope"). Verified with jose
 * against the issuer's JWKS, which jose caches and refetches when a token names an unknown key
 * (key rotation). Only asymmetric algorithms are allowed, so `alg: none` and an HS256 token
 * "signed" with the public key are refused before any signature check.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { OAuthConfig } from '../config.ts';
import { BadRequestError, UnauthorizedError } from '../domain/errors.ts';
import type { Environment } from '../domain/user.ts';
import type { Scope } from '../store/contract.ts';
import type { Principal } from './api-key-service.ts';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

/** `scope` is a space-separated string (RFC 8693); `scp` is an array or a string (Azure, Okta). */
function scopesOf(payload: JWTPayload): Set<Scope> {
  const raw = payload.scope ?? payload.scp;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return new Set(list.filter((s): s is Scope => s === 'read' || s === 'write' || s === 'admin'));
}

function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.reason === 'missing') return `the token has no ${error.claim} claim`;
  if (error instanceof joseErrors.JWTExpired && error.claim === 'iat') return 'the token was issued too long ago';
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    if (error.claim === 'iss') return 'the token has the wrong issuer';
    if (error.claim === 'aud') return 'the token has the wrong audience';
    return `the token's ${error.claim} claim is invalid`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the token uses an algorithm that is not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "the token's key is not in the issuer's key set";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  return 'the token could not be verified';
}

export function createTokenVerifier(config: OAuthConfig) {
  const jwks = createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: config.jwksCooldownMs ?? 30_000, cacheMaxAge: 10 * 60_000 });

  /**
   * The verified claims of a token: issuer, audience, algorithm, signature, `exp` and a `sub`. With
   * `maxLifetimeSeconds`, `iat` is required too, may not lie ahead, and exp - iat may not exceed it.
   */
  async function claimsOf(token: string, maxLifetimeSeconds: number | null): Promise<JWTPayload & { sub: string }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
        ...(maxLifetimeSeconds !== null ? { maxTokenAge: maxLifetimeSeconds } : {}),
      }));
    } catch (error) {
      throw new UnauthorizedError(`Invalid bearer token: ${reasonOf(error)}`);
    }
    // A token that names nobody cannot be the actor of a change.
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new UnauthorizedError('Invalid bearer token: the token has no sub claim');
    // The subject is stored as the events' actor; PostgreSQL refuses NUL in text (a 500 otherwise).
    if (payload.sub.includes('\u0000')) throw new BadRequestError("The token's sub claim must not contain NUL characters", 'nul_character');
    if (maxLifetimeSeconds !== null && (payload.exp ?? 0) - (payload.iat ?? 0) > maxLifetimeSeconds) {
      throw new UnauthorizedError(`Invalid bearer token: the token lives longer than the allowed ${maxLifetimeSeconds} seconds`);
    }
    return payload as JWTPayload & { sub: string };
  }

  return {
    /** The principal a valid token stands for; UnauthorizedError saying why otherwise. */
    async verify(token: string): Promise<Principal> {
      const payload = await claimsOf(token, config.maxTokenLifetimeSeconds ?? null);
      const claimed = payload[config.environmentClaim];
      const environment: Environment = claimed === 'live' ? 'live' : 'test';
      return { keyId: `oauth:${payload.sub}`, environment, type: 'secret', scopes: scopesOf(payload) };
    },

    /**
     * True when `token` is a valid token of the issuer whose `sub` is `externalId` and that lives
     * at most `maxLifetimeSeconds`: an application backend vouching for its signed-in end user.
     */
    async provesEndUser(token: string, externalId: string, maxLifetimeSeconds: number): Promise<boolean> {
      try {
        const payload = await claimsOf(token, maxLifetimeSeconds);
        return payload.sub === externalId;
      } catch {
        return false;
      }
    },
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;
