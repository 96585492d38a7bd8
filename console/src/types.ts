/** The /v1 wire shapes the console reads (README "The canonical API"). */

export type Environment = 'live' | 'test';

export interface User {
  id: string;
  object: 'user';
  environment: Environment;
  email: string | null;
  email_verified: boolean;
  pending_email: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  name: string | null;
  role: string | null;
  external_id: string | null;
  locale: string | null;
  phone: string | null;
  avatar_url: string | null;
  bio: string | null;
  birthday: string | null;
  country: string | null;
  location: string | null;
  organization: string | null;
  title: string | null;
  twitter: string | null;
  regions: string | null;
  active: boolean;
  last_seen_at: string | null;
  last_typed_at: string | null;
  metadata: Record<string, unknown>;
  password_set: boolean;
  source: string;
  version: number;
  created_at: string;
  updated_at: string;
}

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
