/**
 * The /v1 wire shapes the console reads: the client's types, generated from the OpenAPI document
 * (packages/client/src/schema.ts), so that an API change shows here as a type error.
 */

import type { Page as ClientPage, User as WireUser, UserEvent as WireEvent, components, operations } from '@userplane/client';

/** The canonical user as /v1 sends it. */
export type User = WireUser;
export type Environment = User['environment'];

export type Page<T> = ClientPage<T>;

/** One entry of a user's history (GET /v1/users/{id}/events). */
export type UserEvent = WireEvent;

/** A linked sign-in identity (GET /v1/users/{id}/identities). */
export type Identity = components['schemas']['Identity'];

/** The key the console signed in with (GET /v1/whoami). */
export type WhoAmI = operations['whoami']['responses'][200]['content']['application/json'];

/** Per-field messages, exactly as the API's validation_error `details` gives them. */
export type FieldErrors = Record<string, string[]>;
