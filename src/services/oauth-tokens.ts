/**
 * OAuth 2.0 bearer JWTs (seed 001: "an OAuth 2.0 token with `write` scope"). Verified with jose
 * against the issuer's JWKS, which jose caches and refetches when a token names an unknown key
 * (key rotation). Only asymmetric algorithms are allowed, so `alg: none` and an HS256 token
 * "signed" with the public key are refused before any signature check.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { OAuthConfig } from '../config.ts';
import { UnauthorizedError } from '../domain/errors.ts';
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
  return {
    /** The principal a valid token stands for; UnauthorizedError saying why otherwise. */
    async verify(token: string): Promise<Principal> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: config.algorithms,
          clockTolerance: config.clockToleranceSeconds,
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        throw new UnauthorizedError(`Invalid bearer token: ${reasonOf(error)}`);
      }
      const claimed = payload[config.environmentClaim];
      const environment: Environment = claimed === 'live' ? 'live' : 'test';
      return { keyId: `oauth:${payload.sub ?? 'unknown'}`, environment, type: 'secret', scopes: scopesOf(payload) };
    },
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;
