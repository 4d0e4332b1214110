/**
 * Bad input caught before anything is recorded or sent. `code` is machine-readable; the message
 * names the field or identity that is missing and how to provide it.
 */
export type OutboundInputCode = 'invalid_input' | 'missing_identity' | 'unknown_account' | 'enrollment_not_found';

export class OutboundInputError extends Error {
  constructor(
    readonly code: OutboundInputCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'OutboundInputError';
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message };
  }
}
