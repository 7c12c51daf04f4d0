import {
  certificateMatchesKey,
  EKU,
  OID,
  parseCertificate,
  verifyChain,
  type DistinguishedName,
  type KeyPair,
  type NameInput,
  type ParsedCertificate,
} from '@certscrape/pkcs';
import { identitySubject, type ScraperIdentity } from '@certscrape/identity';
import type { PairProblem } from './plan.js';

/** Tolerated clock skew between the operator, the signer and the scraper's targets. */
export const CLOCK_SKEW_SECONDS = 60;
/** A certificate with less than this left at check time is not worth installing. */
export const MIN_REMAINING_SECONDS = 60;

/** Inputs of {@link checkIssuedCertificate}. */
export interface IssuedCheckInput {
  /** PEM of the issued certificate (exactly one CERTIFICATE block). */
  readonly certPem: string;
  /** The key pair the certificate must belong to. */
  readonly keys: KeyPair;
  /** The subject must be exactly this identity (CN=username, one O per group, nothing else). */
  readonly identity: ScraperIdentity;
  /** The cluster client CA bundle (kube-system/extension-apiserver-authentication client-ca-file). */
  readonly roots: readonly ParsedCertificate[];
  readonly now: Date;
}

/** Outcome: the problems found (empty = good) and the parsed certificate when it parsed. */
export interface IssuedCheckResult {
  readonly problems: readonly PairProblem[];
  readonly certificate: ParsedCertificate | undefined;
}

const SHORT_TO_OID: Readonly<Record<string, string>> = { CN: OID.commonName, O: OID.organization, OU: OID.organizationalUnit };

/** True when `dn` is exactly `expected`: same RDNs, same order, one attribute each, same types and values. */
export function subjectIsExactly(dn: DistinguishedName, expected: NameInput): boolean {
  if (dn.length !== expected.length) return false;
  return expected.every((rdn, i) => {
    const actual = dn[i];
    if (!actual || actual.length !== rdn.length) return false;
    return rdn.every((want, j) => {
      const got = actual[j];
      const oid = SHORT_TO_OID[want.type] ?? want.type;
      return got !== undefined && got.oid === oid && got.value === want.value;
    });
  });
}

/**
 * Checks an issued certificate before it may be installed: it parses, matches the key,
 * names exactly the identity, carries EKU clientAuth, chains to the cluster client CA,
 * and its lifetime is sane (started, not expired, at least {@link MIN_REMAINING_SECONDS}
 * left). Never throws for a bad certificate: every problem is listed.
 */
export async function checkIssuedCertificate(input: IssuedCheckInput, crypto: Crypto = globalThis.crypto): Promise<IssuedCheckResult> {
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(input.certPem);
  } catch {
    return { problems: ['malformed-cert'], certificate: undefined };
  }
  const problems = new Set<PairProblem>();
  if (!(await certificateMatchesKey(cert, input.keys, crypto).catch(() => false))) problems.add('key-mismatch');
  if (!subjectIsExactly(cert.subject, identitySubject(input.identity))) problems.add('subject');
  if (!cert.extendedKeyUsage || !cert.extendedKeyUsage.includes(EKU.clientAuth)) problems.add('eku');
  const now = input.now.getTime();
  if (cert.notBefore.getTime() > now + CLOCK_SKEW_SECONDS * 1000) problems.add('not-yet-valid');
  if (cert.notAfter.getTime() <= now) problems.add('expired');
  else if (cert.notAfter.getTime() - now < MIN_REMAINING_SECONDS * 1000 || cert.notAfter.getTime() <= cert.notBefore.getTime()) problems.add('lifetime');
  const chain = await verifyChain(cert, { roots: input.roots, now: input.now, skewSeconds: CLOCK_SKEW_SECONDS, requiredEku: EKU.clientAuth }, crypto).catch(
    () => ({ ok: false as const, reason: 'malformed' as const, detail: '' }),
  );
  if (!chain.ok) {
    const leafTimeProblem = problems.has('expired') || problems.has('not-yet-valid');
    if (chain.reason === 'eku') problems.add('eku');
    // The leaf's own window was checked above; any other chain failure (including an
    // expired CA) means the certificate does not chain to the cluster client CA.
    else if (!((chain.reason === 'expired' || chain.reason === 'not-yet-valid') && leafTimeProblem)) problems.add('untrusted');
  }
  return { problems: [...problems], certificate: cert };
}
