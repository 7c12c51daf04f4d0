/** Stable codes for the approver's own failures. */
export type ApproverErrorCode = 'APPROVER_ERR_CONFIG' | 'APPROVER_ERR_APISERVER' | 'APPROVER_ERR_CONFLICT';

/** The approver's error class; tests assert `code`. */
export class ApproverError extends Error {
  readonly code: ApproverErrorCode;
  constructor(code: ApproverErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApproverError';
    this.code = code;
  }
}
