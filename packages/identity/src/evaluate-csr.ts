import { checkCsrSignature, parseCsr, type ParsedCsr } from '@certscrape/pkcs';
import type { CsrPolicy } from './csr-policy.js';
import { identitiesNamed, RULES } from './csr-rules.js';
import { isTerminal, type CsrView } from './csr-view.js';
import type { Violation } from './violation.js';

/**
 * A decision is data. `approve`: every rule holds. `deny`: in scope and at least one
 * rule fails — every violation is listed. `ignore`: not ours to decide (another
 * signer, another requester that names none of the scraper identities, or already
 * terminal) — such a CSR is left alone, never denied.
 */
export type CsrDecision =
  | { readonly result: 'approve' }
  | { readonly result: 'deny'; readonly violations: readonly Violation[] }
  | { readonly result: 'ignore'; readonly reason: string };

/**
 * Decides a CSR against the policy. Never throws on hostile input: a request that
 * does not parse is denied when the requester is the operator and ignored
 * otherwise. In scope = signer matches AND (requester username is the operator's
 * OR the requested subject names any of the policy's scraper identities, by any CN or by Go's reading
 * of it: `Subject.CommonName`, what kube-apiserver would make the user of the issued certificate).
 * An in-scope CSR is approved only when its subject is exactly one configured identity.
 */
export async function evaluateCsr(csr: CsrView, policy: CsrPolicy, crypto: Crypto = globalThis.crypto): Promise<CsrDecision> {
  if (csr.signerName !== policy.signerName) return { result: 'ignore', reason: `signer ${JSON.stringify(csr.signerName)} is not ${policy.signerName}` };
  if (isTerminal(csr.conditions)) return { result: 'ignore', reason: 'already approved, denied or failed' };

  const fromOperator = csr.username === policy.requester.username;
  let request: ParsedCsr;
  try {
    request = parseCsr(csr.request);
  } catch (e) {
    if (!fromOperator) return { result: 'ignore', reason: 'unparseable request from another requester' };
    const why = e instanceof Error ? e.message : String(e);
    return { result: 'deny', violations: [{ field: 'spec.request', rule: 'request-unparseable', message: `request does not parse: ${why}` }] };
  }
  if (!fromOperator && identitiesNamed(request.subject, policy.identities).length === 0) return { result: 'ignore', reason: 'neither requested by the operator nor naming a scraper identity' };

  const violations = RULES.flatMap((rule) => rule({ csr, request, policy }));
  // Only true reasons: "does not verify" only when it was checked and failed; a signature that cannot be
  // checked is a reason of its own, unless the key violation already says why (e.g. Ed25519).
  const signature = await checkCsrSignature(request, crypto);
  if (signature.verdict === 'invalid') {
    violations.push({ field: 'spec.request.signature', rule: 'signature-invalid', message: 'the request signature does not verify' });
  } else if (signature.verdict === 'unsupported' && !violations.some((v) => v.field === 'spec.request.publicKey')) {
    violations.push({ field: 'spec.request.signature', rule: 'signature-unsupported', message: `the request signature cannot be checked: ${signature.detail}` });
  }
  return violations.length === 0 ? { result: 'approve' } : { result: 'deny', violations };
}
