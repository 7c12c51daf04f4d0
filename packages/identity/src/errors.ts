/** Stable error codes of `@certscrape/identity`. Tests assert the code, never the message. */
export type IdentityErrorCode =
  | 'IDENTITY_ERR_INVALID_SERVICE_ACCOUNT'
  | 'IDENTITY_ERR_INVALID_IDENTITY'
  | 'IDENTITY_ERR_INVALID_POLICY'
  | 'IDENTITY_ERR_INVALID_EXPIRATION'
  | 'IDENTITY_ERR_INVALID_IDENTITY_SET';

/** The one error class of this package: invalid configuration or input, never a policy decision. */
export class IdentityError extends Error {
  readonly code: IdentityErrorCode;

  constructor(code: IdentityErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdentityError';
    this.code = code;
  }
}
