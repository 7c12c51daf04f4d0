import { OID, parseCsr, verifyCsrSignature, type ParsedCsr } from '@certscrape/pkcs';
import type { CsrPolicy } from './csr-policy.js';
import { RULES } from './csr-rules.js';
import { isTerminal, type CsrView } from './csr-view.js';
import type { Violation } from './violation.js';

/**
 * A decision is data. `approve`: every rule holds. `deny`: in scope and at least one
 * rule fails — every violation is listed. `ignore`: not ours to decide (another
 * signer, another requester that does not name the scraper identity, or already
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
 * OR any CN of the requested subject is the scraper identity).
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
  const namesIdentity = request.subject.some((rdn) => rdn.some((a) => a.oid === OID.commonName && a.value === policy.identity.username));
  if (!fromOperator && !namesIdentity) return { result: 'ignore', reason: 'neither requested by the operator nor naming the scraper identity' };

  const violations = RULES.flatMap((rule) => rule({ csr, request, policy }));
  if (!(await verifyCsrSignature(request, crypto))) {
    violations.push({ field: 'spec.request.signature', rule: 'signature-invalid', message: 'the request signature does not verify' });
  }
  return violations.length === 0 ? { result: 'approve' } : { result: 'deny', violations };
}
