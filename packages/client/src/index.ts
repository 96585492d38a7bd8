/** @userplane/client: a typed client of Userplane's canonical API (README "Client"). */
export { createUserplaneClient } from './client.ts';
export type {
  ApiKey,
  ApiKeyCreate,
  ApiKeyWithSecret,
  BatchRequest,
  BatchResponse,
  DeletedUser,
  IfMatch,
  ListUsersQuery,
  Page,
  Paginated,
  PostOptions,
  User,
  UserCreate,
  UserEvent,
  UserPatch,
  UserplaneClient,
  UserplaneClientOptions,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointPatch,
  WebhookEndpointWithSecret,
  WriteOptions,
} from './client.ts';
export {
  ConflictError,
  EmailVerificationError,
  ForbiddenError,
  IdempotencyError,
  InternalError,
  NetworkError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  UserplaneError,
  ValidationError,
  type EmailVerificationCode,
  type ErrorBody,
} from './errors.ts';
export type { Fetch, RetryOptions } from './transport.ts';
export { verifyWebhook, WebhookVerificationError, type WebhookEvent } from './webhooks.ts';
export type { components, operations, paths } from './schema.ts';
