/** The /v1 wire shapes the console reads (README "The canonical API"). */

import type { User as WireUser } from '@userplane/client';

/** The canonical user as /v1 sends it: the client's type, generated from the OpenAPI document. */
export type User = WireUser;
export type Environment = User['environment'];

export interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface UserEvent {
  id: string;
  type: 'user.created' | 'user.updated' | 'user.deleted';
  user_id: string;
  actor: string;
  request_id: string | null;
  door: string;
  changes: Record<string, { previous: unknown; current: unknown }>;
  created_at: string;
}

export interface Identity {
  id: string;
  provider: string;
  provider_user_id: string;
  email: string | null;
  created_at: string;
}

export interface WhoAmI {
  key_id: string;
  environment: Environment;
  scopes: string[];
}

/** Per-field messages, exactly as the API's validation_error `details` gives them. */
export type FieldErrors = Record<string, string[]>;
