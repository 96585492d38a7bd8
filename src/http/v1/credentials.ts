/** /v1/users/{id}/password and /v1/users/{id}/email_verification (issue 3). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { etagFor } from '../../domain/user.ts';
import { SUPPORTED_HASH_TYPES } from '../../services/password-hashing/index.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { expectedVersions } from '../preconditions.ts';
import { StringEnum, named } from '../schemas.ts';
import { v1Errors, UserIdParams, UserSchema } from './schemas.ts';
import { canonicalUser } from '../../formats/canonical-user.ts';

const security = [{ bearer: [] }];

const SetPasswordBody = named('PasswordSet', Type.Object(
  {
    password: Type.Optional(Type.String({ maxLength: 1024, description: '8–128 characters, not the email address; stored with argon2id' })),
    password_hash: Type.Optional(Type.String({ maxLength: 1024, description: 'An existing hash to import, with password_hash_type' })),
    password_hash_type: Type.Optional(StringEnum(SUPPORTED_HASH_TYPES, { description: 'Format of password_hash' })),
  },
  { additionalProperties: false, description: 'Either password, or password_hash with password_hash_type' },
));

export const credentialRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/users/:id/password',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['passwords'],
        security,
        operationId: 'users_password_set',
        summary: "Set or import a user's password",
        description:
          'Send `password` to set a new one (hashed with argon2id), or `password_hash` and `password_hash_type` to import a hash ' +
          `from another system (${SUPPORTED_HASH_TYPES.join(', ')}); an imported hash is upgraded to argon2id the first time it verifies.`,
        params: UserIdParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string' } } },
        body: SetPasswordBody,
        response: { 200: UserSchema, ...v1Errors(400, 404, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request, 'v1');
      // The user is looked up before hashing: a missing one is a cheap 404.
      const password = await services.passwords.prepareFor(ctx, request.params.id, request.body);
      const { user } = await services.users.update(ctx, request.params.id, {}, {
        password,
        expectedVersions: expectedVersions(request.headers['if-match']),
      });
      return reply.header('ETag', etagFor(user)).send(canonicalUser(user));
    },
  );

  app.post(
    '/users/:id/password/verify',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['passwords'],
        security,
        operationId: 'users_password_verify',
        summary: 'Check a password',
        description:
          'Answers whether the password is the user\'s. Needs the write scope: a legacy hash that verifies is re-hashed in the same step. ' +
          'After USERPLANE_PASSWORD_FAILURES wrong passwords (default 10 in 10 minutes) further verifies of the user get 429 until the oldest ages out; ' +
          'a verify that waited too long for the hashing queue gets 503 with Retry-After.',
        params: UserIdParams,
        body: Type.Object({ password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ verified: Type.Boolean() }), ...v1Errors(400, 404, 413, 415) },
      },
    },
    async (request) => ({ verified: await services.passwords.verify(contextOf(request, 'v1'), request.params.id, request.body.password) }),
  );

  app.post(
    '/users/:id/email_verification/send',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['email verification'],
        security,
        operationId: 'users_email_verification_send',
        summary: 'Mail a verification code',
        description:
          'A 6-digit code, valid 10 minutes, to the user\'s email (or to the pending address under USERPLANE_EMAIL_CHANGE=verify). ' +
          'A new send replaces the previous code; at most 5 sends an hour per user (429). ' +
          'Errors: email_already_verified, email_missing.',
        params: UserIdParams,
        // No body schema: the call takes none, and clients send nothing or {}.
        response: {
          200: Type.Object({ object: Type.Literal('email_verification'), user_id: Type.String(), email: Type.String(), expires_at: Type.String({ format: 'date-time' }) }),
          ...v1Errors(400, 404, 415),
        },
      },
    },
    async (request) => {
      const sent = await services.emailVerification.send(contextOf(request, 'v1'), request.params.id);
      return { object: 'email_verification' as const, user_id: sent.user.id, email: sent.email, expires_at: sent.expires_at };
    },
  );

  app.post(
    '/users/:id/email_verification/confirm',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['email verification'],
        security,
        operationId: 'users_email_verification_confirm',
        summary: 'Confirm a verification code',
        description:
          'Sets email_verified (and, for a pending address, makes it the email; 409 if someone took it meanwhile). ' +
          'Errors (400): verification_code_incorrect, verification_code_expired, verification_code_used, ' +
          'verification_code_missing, verification_attempts_exceeded (after 5 wrong codes), email_already_verified.',
        params: UserIdParams,
        body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
        response: { 200: UserSchema, ...v1Errors(400, 404, 409, 415) },
      },
    },
    async (request, reply) => {
      const user = await services.emailVerification.confirm(contextOf(request, 'v1'), request.params.id, request.body.code);
      return reply.header('ETag', etagFor(user)).send(canonicalUser(user));
    },
  );
};
