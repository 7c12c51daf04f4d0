/**
 * Signer CA rotation, the pure decision: does the client CA bundle hold a CA newer than the one
 * that issued the installed certificate (the cluster is moving to a new signing CA), and is it
 * time to ask for a certificate again to find out whether kube-controller-manager signs with it?
 *
 * The operator cannot see which CA kube-controller-manager signs with: only the bundle it mirrors
 * and the issuer of what comes back. So while a newer CA sits in the bundle, it re-issues at most
 * once per probe interval after the last install; a certificate that still comes from the old CA
 * is installed (it is valid and fresher) and simply restarts that interval. Once a certificate
 * from the newest CA is installed, nothing is pending. Probing stops when the newer CA has been
 * valid for longer than `probeWindowMs` (an unrelated CA left in the bundle costs at most that
 * many probes; the ordinary rotation deadline still picks the new signer up).
 */

/** A CA certificate of the client CA bundle, as the planner sees it. */
export interface BundleCa {
  /** Hex of the CA's SubjectPublicKeyInfo (a CA re-issued with the same key is the same CA). */
  readonly key: string;
  readonly notBefore: Date;
}

/** The probe schedule. */
export interface SignerProbePolicy {
  /** At most one signer probe this long after the last install. */
  readonly intervalMs: number;
  /** No probes once the newer CA's NotBefore is longer ago than this. */
  readonly probeWindowMs: number;
}

/** Default schedule: one probe every 5 minutes for the first 7 days of a new CA. */
export const DEFAULT_SIGNER_PROBE: SignerProbePolicy = Object.freeze({ intervalMs: 5 * 60_000, probeWindowMs: 7 * 86_400_000 });

/** What the installed certificate's issuer looks like against the bundle. */
export type SignerAssessment =
  /** The installed certificate comes from the newest CA of the bundle (or no newer CA is there). */
  | { readonly state: 'current' }
  /** A newer CA is in the bundle: probe at `probeAt` (undefined = the probe window is over). */
  | { readonly state: 'rotating'; readonly newer: BundleCa; readonly probeAt: Date | undefined };

/**
 * Compares the installed certificate's issuing CA with the bundle. `issuedAt` is when the
 * installed pair was written (the Secret annotation; the certificate's NotBefore when absent).
 * Pure and total.
 */
export function assessSigner(issuer: BundleCa, bundle: readonly BundleCa[], issuedAt: Date, policy: SignerProbePolicy = DEFAULT_SIGNER_PROBE): SignerAssessment {
  let newest: BundleCa | undefined;
  for (const ca of bundle) {
    if (ca.key === issuer.key || ca.notBefore.getTime() <= issuer.notBefore.getTime()) continue;
    if (!newest || ca.notBefore.getTime() > newest.notBefore.getTime()) newest = ca;
  }
  if (!newest) return { state: 'current' };
  const probeAt = issuedAt.getTime() + policy.intervalMs;
  const windowEnd = newest.notBefore.getTime() + policy.probeWindowMs;
  return { state: 'rotating', newer: newest, probeAt: probeAt <= windowEnd ? new Date(probeAt) : undefined };
}
