/** Why an imported hash was refused. */
export type PasswordHashFormatReason = 'unsupported_type' | 'malformed';

/**
 * Thrown for an unsupported hash type or a malformed / out-of-range hash. The message says what
 * is wrong in one sentence a user can act on, and never contains the hash itself.
 */
export class PasswordHashFormatError extends Error {
  readonly reason: PasswordHashFormatReason;

  constructor(reason: PasswordHashFormatReason, message: string) {
    super(message);
    this.name = 'PasswordHashFormatError';
    this.reason = reason;
  }
}

export function malformed(message: string): PasswordHashFormatError {
  return new PasswordHashFormatError('malformed', message);
}
