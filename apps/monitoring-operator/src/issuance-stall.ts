/**
 * The issuance stall, the pure decision: an issuance has been pending (key saved, CSR requested
 * or waiting for approval or the signer) for longer than the stall threshold. The operator keeps
 * the installed pair meanwhile; the stall is surfaced (Event `IssuanceStalled`, gauge
 * `certscrape_monitoring_operator_issuance_stalled`) so a stopped signer (kube-controller-manager
 * down) or approver is noticed before the installed certificate expires.
 */

/** Default `--issuance-stall-seconds`. */
export const DEFAULT_ISSUANCE_STALL_SECONDS = 300;

/** Event reason of the stall (Warning, on the target Secret). */
export const ISSUANCE_STALLED_REASON = 'IssuanceStalled';

/** The pending issuance as the stall check sees it. */
export interface PendingIssuanceView {
  readonly csrName: string;
  readonly startedAt: Date;
}

export type StallAssessment =
  /** Nothing pending. */
  | { readonly state: 'idle' }
  /** Pending, not stalled yet; it would be at `stallAt`. */
  | { readonly state: 'pending'; readonly csrName: string; readonly stallAt: Date }
  /** Pending for longer than the threshold. */
  | { readonly state: 'stalled'; readonly csrName: string; readonly sinceMs: number };

/** Assesses the pending issuance against the threshold. Pure and total. */
export function assessStall(pending: PendingIssuanceView | undefined, now: Date, stallMs: number): StallAssessment {
  if (!pending) return { state: 'idle' };
  const stallAt = pending.startedAt.getTime() + stallMs;
  if (now.getTime() < stallAt) return { state: 'pending', csrName: pending.csrName, stallAt: new Date(stallAt) };
  return { state: 'stalled', csrName: pending.csrName, sinceMs: now.getTime() - pending.startedAt.getTime() };
}

/** The Warning Event's message: which CSR, for how long, that the installed pair is kept, what to check. No key material. */
export function stallMessage(s: Extract<StallAssessment, { state: 'stalled' }>, installedNotAfter: Date | undefined): string {
  const kept = installedNotAfter ? `keeping the installed certificate (valid until ${installedNotAfter.toISOString()})` : 'no valid certificate is installed';
  return `CertificateSigningRequest ${s.csrName} not issued after ${Math.round(s.sinceMs / 1000)}s; ${kept}; check the CSR approver and kube-controller-manager's signer`;
}
