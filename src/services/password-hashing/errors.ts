/** Why an imported hash was refused; above_ceiling: well-formed, but costlier than the operator allows. */
export type PasswordHashFormatReason = 'unsupported_type' | 'malformed' | 'above_ceiling';

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

export function malformed(message: string, reason: PasswordHashFormatReason = 'malformed'): PasswordHashFormatError {
  return new PasswordHashFormatError(reason, message);
}
