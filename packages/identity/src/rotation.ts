/** The validity window of an issued certificate. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Rotation happens at a jittered fraction of the lifetime in [LOW, HIGH). */
export const ROTATION_FRACTION = Object.freeze({ low: 0.7, high: 0.9 });

/**
 * When to rotate a certificate: at a jittered 70–90 % of its *issued* lifetime
 * (NotBefore..NotAfter), like client-go's certificate manager.
 *
 * Floor: signers may backdate NotBefore (the kube-apiserver-client signer backdates
 * 5 minutes), so a certificate issued with a short duration can arrive already
 * "past 70 %". When `issuedAt` (the moment the certificate was received) is given,
 * the deadline is never earlier than `issuedAt` + the same fraction of what was
 * left at issuance — so every rotation waits at least 70 % of the usable lifetime
 * and a short-lived signer never causes a rotation loop. (The operator caps the result
 * MIN_REMAINING_SECONDS before NotAfter, where the pair would be rotated anyway; that
 * only binds for certificates arriving with less than about 200 s left.)
 *
 * `random` returns a number in [0, 1); default `Math.random`. Pure otherwise.
 */
export function rotationDeadline(cert: Validity, random: () => number = Math.random, options: { issuedAt?: Date } = {}): Date {
  const r = Math.min(Math.max(random(), 0), 1);
  const fraction = ROTATION_FRACTION.low + (ROTATION_FRACTION.high - ROTATION_FRACTION.low) * r;
  const nb = cert.notBefore.getTime();
  const na = cert.notAfter.getTime();
  let deadline = nb + (na - nb) * fraction;
  const issuedAt = options.issuedAt?.getTime();
  if (issuedAt !== undefined && issuedAt > nb && issuedAt < na) {
    deadline = Math.max(deadline, issuedAt + (na - issuedAt) * fraction);
  }
  return new Date(deadline);
}
