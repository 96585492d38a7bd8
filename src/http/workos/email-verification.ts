/** The email verification calls of WorkOS (contract §2), over the shared email verification service. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { toCanonicalUserId, workosUser } from '../../formats/workos-user.ts';
import { UserEnvelope, UserIdParams, workosErrors } from './schemas.ts';

const security = [{ bearer: [] }];

export const workosEmailVerificationRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/users/:id/email_verification/send',
    {
      config: { scope: 'write', workosOperation: 'send_verification' },
      schema: {
        tags: ['workos'],
        security,
        operationId: 'workos_users_email_verification_send',
        summary: 'Mail a verification code (WorkOS sendVerificationEmail)',
        description:
          'A 6-digit code, valid 10 minutes; a new send replaces the previous code. ' +
          'Errors (400): email_already_verified; 429 daily_quota_exceeded after 5 sends in an hour.',
        params: UserIdParams,
        body: Type.Optional(Type.Object({}, { additionalProperties: false })),
        response: { 200: UserEnvelope, ...workosErrors(400, 404, 413, 415) },
      },
    },
    async (request) => {
      const sent = await services.emailVerification.send(contextOf(request, 'workos'), toCanonicalUserId(request.params.id));
      return { user: workosUser(sent.user) };
    },
  );

  app.post(
    '/users/:id/email_verification/confirm',
    {
      config: { scope: 'write', workosOperation: 'verify_email' },
      schema: {
        tags: ['workos'],
        security,
        operationId: 'workos_users_email_verification_confirm',
        summary: 'Confirm a verification code (WorkOS verifyEmail)',
        description:
          'Sets email_verified. Errors (400): email_verification_code_incorrect (also when no code is outstanding), ' +
          'email_verification_code_expired (also after 5 wrong tries), email_verification_code_previously_used, email_previously_verified.',
        params: UserIdParams,
        body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
        response: { 200: UserEnvelope, ...workosErrors(400, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const user = await services.emailVerification.confirm(contextOf(request, 'workos'), toCanonicalUserId(request.params.id), request.body.code);
      return { user: workosUser(user) };
    },
  );
};
