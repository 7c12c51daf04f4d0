import {
  certificateMatchesKey,
  EKU,
  formatName,
  identityValueProblem,
  OID,
  parseCertificate,
  verifyChain,
  type DistinguishedName,
  type KeyPair,
  type ParsedCertificate,
} from '@certscrape/pkcs';
import type { ScraperIdentity } from './scraper-identity.js';
import type { Violation } from './violation.js';

/**
 * What makes a valid scraper certificate, in one place. The approver applies the subject
 * rule to the CSR (csr-rules.ts `subjectIsIdentity`), the operator applies the whole check to
 * the certificate the signer issued and to the pair already installed, and a target reading
 * `CN` as the user and each `O` as a group (target-auth's `userFromSubject`) reads the same
 * subject the same way. Pure: the crypto provider is the last, defaulted parameter.
 */

/** Tolerated clock skew between the operator, the signer and the scraper's targets. */
export const CLOCK_SKEW_SECONDS = 60;
/** A certificate with less than this left at check time is not worth installing. */
export const MIN_REMAINING_SECONDS = 60;

const CN = OID.commonName;
const O = OID.organization;

/** Who encoded the subject being judged. */
export interface SubjectRuleOptions {
  /**
   * `request` (default): the operator's CSR, which always encodes CN/O as UTF8String, so any other
   * type is refused. `signer`: a certificate the signer issued; the kube-apiserver-client signer
   * (Go's crypto/x509) re-encodes the subject and chooses PrintableString wherever the value fits
   * that alphabet (the default identity does), so PrintableString is accepted there as well.
   */
  readonly encodedBy?: 'request' | 'signer';
}

const REQUEST_STRING_TYPES: ReadonlySet<string> = new Set(['utf8']);
const SIGNER_STRING_TYPES: ReadonlySet<string> = new Set(['utf8', 'printable']);

/**
 * The subject rule: the raw subject is exactly `CN=<identity>` first (in a certificate the signer
 * issued: anywhere, as Go orders it), followed by one single-valued `O=<group>` RDN per configured group (in any order); no other attribute, no
 * duplicate CN, no multi-valued RDN, every CN/O a UTF8String free of control/format characters
 * (Unicode Cc/Cf such as U+0000, U+200B, U+FEFF). Read from the raw RDNs, so nothing a parser might drop
 * escapes. Returns every violation (empty = the subject names exactly this identity), with
 * `field` as the path prefix (default `subject`).
 */
export function scraperSubjectViolations(subject: DistinguishedName, identity: ScraperIdentity, field = 'subject', options: SubjectRuleOptions = {}): Violation[] {
  const allowedTypes = options.encodedBy === 'signer' ? SIGNER_STRING_TYPES : REQUEST_STRING_TYPES;
  const out: Violation[] = [];
  const expectedRdns = 1 + identity.groups.length;
  if (subject.length !== expectedRdns) {
    out.push({ field, rule: 'subject-rdn-count', message: `subject ${formatName(subject)} has ${subject.length} RDNs, expected ${expectedRdns}` });
  }
  const cns: string[] = [];
  const orgs: string[] = [];
  subject.forEach((rdn, i) => {
    if (rdn.length !== 1) out.push({ field: `${field}[${i}]`, rule: 'subject-multi-valued-rdn', message: `RDN ${i} has ${rdn.length} attributes, expected 1` });
    for (const attr of rdn) {
      if (attr.oid === CN) cns.push(attr.value);
      else if (attr.oid === O) orgs.push(attr.value);
      else out.push({ field: `${field}[${i}]`, rule: 'subject-attribute', message: `attribute ${attr.shortName ?? attr.oid} is not allowed` });
      if (attr.oid !== CN && attr.oid !== O) continue;
      // Exactly what the operator encodes (UTF8String): another type is read differently by some reader
      // (Go skips UniversalString in a CSR, drops BMPString terminators), so it is never the operator's request.
      if (!allowedTypes.has(attr.stringType)) {
        out.push({ field: `${field}[${i}]`, rule: 'subject-string-type', message: `${attr.shortName ?? attr.oid} is a ${attr.stringType} string, expected ${options.encodedBy === 'signer' ? 'UTF8String or PrintableString' : 'UTF8String'}` });
      }
      const problem = identityValueProblem(attr.value);
      if (problem !== undefined) out.push({ field: `${field}[${i}]`, rule: 'subject-character', message: `${attr.shortName ?? attr.oid} ${JSON.stringify(attr.value)} ${problem}` });
    }
  });
  if (cns.length !== 1 || cns[0] !== identity.username) {
    out.push({ field, rule: 'subject-common-name', message: `common name(s) ${JSON.stringify(cns)} must be exactly [${JSON.stringify(identity.username)}]` });
  }
  // The operator's request puts the CN first. The signer does not keep that order: Go's crypto/x509 re-encodes
  // the subject from pkix.Name, which writes O before CN (seen on the local control plane for an identity
  // with groups), so an issued certificate may carry its one CN anywhere.
  if (options.encodedBy !== 'signer' && subject[0]?.[0]?.oid !== CN && cns.length === 1) {
    out.push({ field: `${field}[0]`, rule: 'subject-common-name', message: 'the common name must be the first RDN' });
  }
  const wantOrgs = [...identity.groups].sort();
  const gotOrgs = [...orgs].sort();
  if (wantOrgs.length !== gotOrgs.length || wantOrgs.some((g, i) => g !== gotOrgs[i])) {
    out.push({ field, rule: 'subject-organization', message: `organization(s) ${JSON.stringify(orgs)} must be exactly ${JSON.stringify(identity.groups)}` });
  }
  return out;
}

/** Why a certificate (with its key) is not a usable scraper certificate. */
export type ScraperCertificateProblem =
  | 'malformed-cert' | 'key-mismatch' | 'subject' | 'eku' | 'untrusted' | 'expired' | 'not-yet-valid' | 'lifetime';

/** Inputs of {@link checkScraperCertificate}. */
export interface ScraperCertificateInput {
  /** PEM of the certificate (exactly one CERTIFICATE block). */
  readonly certPem: string;
  /** The key pair the certificate must belong to. */
  readonly keys: KeyPair;
  /** The subject must name exactly this identity ({@link scraperSubjectViolations}). */
  readonly identity: ScraperIdentity;
  /** The cluster client CA bundle the certificate must chain to. */
  readonly roots: readonly ParsedCertificate[];
  readonly now: Date;
}

/** The problems found (empty = good) and the parsed certificate when it parsed. */
export interface ScraperCertificateResult {
  readonly problems: readonly ScraperCertificateProblem[];
  readonly certificate: ParsedCertificate | undefined;
}

/**
 * A valid scraper certificate parses, matches its key, names exactly the identity, carries EKU
 * clientAuth, chains to the cluster client CA, has started (within {@link CLOCK_SKEW_SECONDS})
 * and has not expired; `lifetime` is reported when less than {@link MIN_REMAINING_SECONDS} are
 * left (a reason to rotate, not a broken pair). Never throws for a bad certificate: every
 * problem is listed.
 */
export async function checkScraperCertificate(input: ScraperCertificateInput, crypto: Crypto = globalThis.crypto): Promise<ScraperCertificateResult> {
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(input.certPem);
  } catch {
    return { problems: ['malformed-cert'], certificate: undefined };
  }
  const problems = new Set<ScraperCertificateProblem>();
  if (!(await certificateMatchesKey(cert, input.keys, crypto).catch(() => false))) problems.add('key-mismatch');
  // Issued by the signer, which re-encodes the subject (Go: PrintableString where it fits).
  if (scraperSubjectViolations(cert.subject, input.identity, 'subject', { encodedBy: 'signer' }).length > 0) problems.add('subject');
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
