import { csrViewFromObject, evaluateCsr, formatViolations, isTerminal } from '@certscrape/identity';
import type { CsrDecision, CsrObjectLike, CsrPolicy, CsrView, Violation } from '@certscrape/identity';
import type { V1CertificateSigningRequest, V1CertificateSigningRequestCondition } from '@kubernetes/client-node';

/** Condition reasons written by the approver (CamelCase, as Kubernetes expects). */
export const APPROVED_REASON = 'CertscrapePolicySatisfied';
export const DENIED_REASON = 'CertscrapePolicyViolation';

/** Kubernetes caps condition messages; keep ours well below (32 KiB). */
const MAX_MESSAGE = 8_000;

/** Why a CSR is left alone, as a bounded metric label. */
export type SkipCategory = 'other-signer' | 'terminal' | 'out-of-scope';

/**
 * What the approver will do with one CSR object — data, computed without I/O:
 * `skip` (out of scope or already terminal: write nothing), or write `body` (the object with one
 * Approved or Denied condition appended) through the /approval subresource.
 */
export type ApprovalPlan =
  | { readonly action: 'skip'; readonly view: CsrView; readonly category: SkipCategory; readonly reason: string }
  | { readonly action: 'approve'; readonly view: CsrView; readonly condition: V1CertificateSigningRequestCondition; readonly body: V1CertificateSigningRequest }
  | { readonly action: 'deny'; readonly view: CsrView; readonly violations: readonly Violation[]; readonly condition: V1CertificateSigningRequestCondition; readonly body: V1CertificateSigningRequest };

/**
 * Decides one CSR object (pure apart from WebCrypto signature verification): decodes it with
 * `csrViewFromObject`, evaluates it with `evaluateCsr`, and turns the decision into the exact
 * object to write. Terminal CSRs and anything `evaluateCsr` ignores are skipped.
 */
export async function planApproval(obj: V1CertificateSigningRequest, policy: CsrPolicy, now: Date, crypto: Crypto = globalThis.crypto): Promise<ApprovalPlan> {
  const view = csrViewFromObject(obj as CsrObjectLike);
  if (view.signerName !== policy.signerName) return { action: 'skip', view, category: 'other-signer', reason: `signer ${JSON.stringify(view.signerName)} is not ours` };
  if (isTerminal(view.conditions)) return { action: 'skip', view, category: 'terminal', reason: 'already approved, denied or failed' };
  const decision = await evaluateCsr(view, policy, crypto);
  return planFromDecision(obj, view, decision, now);
}

/** The pure second half of {@link planApproval}: decision -> condition -> body. */
export function planFromDecision(obj: V1CertificateSigningRequest, view: CsrView, decision: CsrDecision, now: Date): ApprovalPlan {
  switch (decision.result) {
    case 'ignore':
      return { action: 'skip', view, category: isTerminal(view.conditions) ? 'terminal' : 'out-of-scope', reason: decision.reason };
    case 'approve': {
      const condition = approvedCondition(view, now);
      return { action: 'approve', view, condition, body: withCondition(obj, condition) };
    }
    case 'deny': {
      const condition = deniedCondition(decision.violations, now);
      return { action: 'deny', view, violations: decision.violations, condition, body: withCondition(obj, condition) };
    }
    default:
      return { action: 'skip', view, category: 'out-of-scope', reason: 'unknown decision' };
  }
}

/** The Approved condition: reason {@link APPROVED_REASON}, message naming identity and requester. */
export function approvedCondition(view: CsrView, now: Date): V1CertificateSigningRequestCondition {
  return {
    type: 'Approved',
    status: 'True',
    reason: APPROVED_REASON,
    message: `certscrape-csr-approver: request from ${view.username ?? '?'} satisfies the scraper certificate policy`,
    lastUpdateTime: now,
  };
}

/** The Denied condition: reason {@link DENIED_REASON}, message listing every violation. */
export function deniedCondition(violations: readonly Violation[], now: Date): V1CertificateSigningRequestCondition {
  const text = `certscrape-csr-approver: ${violations.length} policy violation(s): ${formatViolations(violations)}`;
  return {
    type: 'Denied',
    status: 'True',
    reason: DENIED_REASON,
    message: text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 20)} ... (truncated)` : text,
    lastUpdateTime: now,
  };
}

/**
 * A copy of `obj` with `condition` appended to status.conditions. The resourceVersion is kept, so
 * the write fails with 409 if anyone changed the object since it was read.
 */
export function withCondition(obj: V1CertificateSigningRequest, condition: V1CertificateSigningRequestCondition): V1CertificateSigningRequest {
  return {
    ...obj,
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    status: { ...(obj.status ?? {}), conditions: [...(obj.status?.conditions ?? []), condition] },
  };
}
