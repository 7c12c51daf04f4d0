/** Stable rule codes: one per policy rule, used in messages, metrics and tests. */
export type RuleCode =
  | 'requester-username'
  | 'requester-groups'
  | 'request-unparseable'
  | 'signature-invalid'
  | 'signature-unsupported'
  | 'subject-rdn-count'
  | 'subject-multi-valued-rdn'
  | 'subject-attribute'
  | 'subject-common-name'
  | 'subject-common-name-is-requester'
  | 'subject-identity-unknown'
  | 'subject-several-identities'
  | 'subject-organization'
  | 'subject-string-type'
  | 'subject-character'
  | 'extension-request-count'
  | 'extension-subject-alt-name'
  | 'extension-ca'
  | 'extension-not-allowed'
  | 'extension-undecodable'
  | 'attribute-not-allowed'
  | 'usages-missing'
  | 'usage-not-allowed'
  | 'usage-required'
  | 'expiration-out-of-range'
  | 'key-unsupported'
  | 'key-too-weak';

/** One failed rule: where (a field path of the CSR), which rule, and why in words. */
export interface Violation {
  readonly field: string;
  readonly rule: RuleCode;
  readonly message: string;
}

/** Formats violations for a Denied condition's message: `rule: message; ...` */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.field}: ${v.message} [${v.rule}]`).join('; ');
}
