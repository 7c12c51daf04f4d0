import { goNameReading, OID, type DistinguishedName, type ParsedCsr } from '@certscrape/pkcs';
import type { CsrPolicy } from './csr-policy.js';
import type { CsrView } from './csr-view.js';
import type { ScraperIdentity } from './scraper-identity.js';
import { scraperSubjectViolations } from './scraper-certificate.js';
import type { Violation } from './violation.js';

/** What every rule sees: the CSR object, its parsed request (already parsed once), the policy. */
export interface RuleInput {
  readonly csr: CsrView;
  readonly request: ParsedCsr;
  readonly policy: CsrPolicy;
}

/** A policy rule: returns its violations, empty when it holds. Pure and total. */
export type Rule = (input: RuleInput) => Violation[];

const CN = OID.commonName;

/** spec.username is exactly the operator's service account. */
export const requesterUsername: Rule = ({ csr, policy }) =>
  csr.username === policy.requester.username
    ? []
    : [{ field: 'spec.username', rule: 'requester-username', message: `requester ${JSON.stringify(csr.username ?? '')} is not ${policy.requester.username}` }];

/** spec.groups is exactly the operator's group set: nothing more, nothing less. */
export const requesterGroups: Rule = ({ csr, policy }) => {
  const got = new Set(csr.groups ?? []);
  const want = new Set(policy.requester.groups);
  const same = got.size === want.size && [...want].every((g) => got.has(g)) && (csr.groups ?? []).length === got.size;
  return same
    ? []
    : [{ field: 'spec.groups', rule: 'requester-groups', message: `requester groups [${[...(csr.groups ?? [])].join(', ')}] are not exactly [${policy.requester.groups.join(', ')}]` }];
};

/**
 * The configured identities a subject names, in the policy's order: those whose username is the value of
 * any CN, or Go's `Subject.CommonName` (the last string CN: the user kube-apiserver would read from the
 * issued certificate). Used for scope (evaluate-csr.ts) and to pick the identity the subject is judged against.
 */
export function identitiesNamed(subject: DistinguishedName, identities: readonly ScraperIdentity[]): ScraperIdentity[] {
  const goCommonName = goNameReading(subject).commonName;
  const cns = new Set(subject.flatMap((rdn) => rdn.filter((a) => a.oid === CN).map((a) => a.value)));
  return identities.filter((id) => id.username === goCommonName || cns.has(id.username));
}

/** Subject violations that hold whatever identity is meant (attribute types, string types, characters, RDN shape). */
const IDENTITY_DEPENDENT: ReadonlySet<string> = new Set(['subject-rdn-count', 'subject-common-name', 'subject-organization']);

/**
 * The raw subject is exactly one configured identity: `CN=<username>` followed by one single-valued
 * `O=<group>` RDN per group of that identity (in any order); no other attribute, no duplicate CN, no
 * multi-valued RDN. Read from the raw RDNs, so nothing a parser might drop escapes. The subject is judged
 * against the one identity it names; a subject naming several configured identities is denied
 * (`subject-several-identities`, and judged against the one Go would read), one naming none of a set of
 * several is denied as `subject-identity-unknown`. With a single configured identity a subject naming none
 * is judged against it, exactly as before sets existed.
 */
export const subjectIsIdentity: Rule = ({ request, policy }) => {
  const field = 'spec.request.subject';
  const subject = request.subject;
  const named = identitiesNamed(subject, policy.identities);
  if (named.length === 1) return scraperSubjectViolations(subject, named[0]!, field);
  if (named.length > 1) {
    const goCommonName = goNameReading(subject).commonName;
    const judged = named.find((id) => id.username === goCommonName) ?? named[0]!;
    return [
      { field, rule: 'subject-several-identities', message: `the subject names ${named.length} configured identities (${named.map((id) => JSON.stringify(id.username)).join(', ')}); a certificate carries exactly one` },
      ...scraperSubjectViolations(subject, judged, field),
    ];
  }
  if (policy.identities.length === 1) return scraperSubjectViolations(subject, policy.identities[0]!, field);
  const cns = subject.flatMap((rdn) => rdn.filter((a) => a.oid === CN).map((a) => a.value));
  return [
    {
      field,
      rule: 'subject-identity-unknown',
      message: `common name(s) ${JSON.stringify(cns)} name no configured identity; expected exactly one of ${JSON.stringify(policy.identities.map((id) => id.username))}`,
    },
    ...scraperSubjectViolations(subject, policy.identities[0]!, field).filter((v) => !IDENTITY_DEPENDENT.has(v.rule)),
  ];
};

/** The certificate never names its own requester (a service account minting itself). */
export const commonNameIsNotRequester: Rule = ({ csr, request }) => {
  const named = request.subject.flat().some((a) => a.oid === CN && a.value === csr.username);
  return named ? [{ field: 'spec.request.subject', rule: 'subject-common-name-is-requester', message: 'the subject names the requester itself' }] : [];
};

/**
 * No SAN extension of any kind (any count), nothing that makes a CA, no other
 * requested extension except a harmless `basicConstraints CA:FALSE`, one
 * extensionRequest attribute at most and no other CSR attribute.
 */
export const requestedExtensions: Rule = ({ request }) => {
  const out: Violation[] = [];
  const field = 'spec.request.extensions';
  if (request.extensionRequestCount > 1) {
    out.push({ field, rule: 'extension-request-count', message: `${request.extensionRequestCount} extensionRequest attributes, expected at most 1` });
  }
  for (const attr of request.attributes) {
    if (attr.oid !== OID.extensionRequest) out.push({ field: 'spec.request.attributes', rule: 'attribute-not-allowed', message: `attribute ${attr.oid} is not allowed` });
  }
  for (const ext of request.extensions) {
    if (ext.oid === OID.subjectAltName) {
      const names = ext.decoded?.kind === 'subjectAltName' ? ext.decoded.names.map((n) => `${n.type}:${n.value}`).join(', ') : 'undecodable';
      out.push({ field, rule: 'extension-subject-alt-name', message: `subjectAltName is not allowed (${names})` });
    } else if (ext.oid === OID.basicConstraints) {
      if (ext.decoded?.kind !== 'basicConstraints') {
        out.push({ field, rule: 'extension-undecodable', message: `basicConstraints could not be decoded: ${ext.decodeError ?? 'unknown'}` });
      } else if (ext.decoded.ca || ext.decoded.pathLength !== undefined) {
        out.push({ field, rule: 'extension-ca', message: 'basicConstraints requests a CA certificate' });
      }
    } else if (ext.decoded === undefined) {
      out.push({ field, rule: 'extension-undecodable', message: `extension ${ext.oid} could not be decoded: ${ext.decodeError ?? 'unknown'}` });
    } else {
      out.push({ field, rule: 'extension-not-allowed', message: `extension ${ext.oid} is not allowed` });
    }
  }
  return out;
};

/** spec.usages is present, a subset of the allowed usages, and contains every required one. */
export const usages: Rule = ({ csr, policy }) => {
  if (!csr.usages || csr.usages.length === 0) return [{ field: 'spec.usages', rule: 'usages-missing', message: 'no usages requested' }];
  const out: Violation[] = [];
  for (const u of csr.usages) {
    if (!policy.allowedUsages.includes(u)) out.push({ field: 'spec.usages', rule: 'usage-not-allowed', message: `usage ${JSON.stringify(u)} is not allowed` });
  }
  for (const u of policy.requiredUsages) {
    if (!csr.usages.includes(u)) out.push({ field: 'spec.usages', rule: 'usage-required', message: `usage ${JSON.stringify(u)} is required` });
  }
  return out;
};

/** spec.expirationSeconds is unset, or within the policy's bounds. */
export const expiration: Rule = ({ csr, policy }) => {
  const e = csr.expirationSeconds;
  if (e === undefined) return [];
  const { min, max } = policy.expirationSeconds;
  return Number.isSafeInteger(e) && e >= min && e <= max
    ? []
    : [{ field: 'spec.expirationSeconds', rule: 'expiration-out-of-range', message: `${e} is outside [${min}, ${max}]` }];
};

/** The public key is ECDSA on an allowed curve, or RSA within the allowed sizes. */
export const keyAllowed: Rule = ({ request, policy }) => {
  const k = request.publicKey;
  const field = 'spec.request.publicKey';
  if (k.kind === 'ecdsa') {
    return policy.keys.ecdsaCurves.includes(k.curve) ? [] : [{ field, rule: 'key-unsupported', message: `ECDSA curve ${k.curve} is not allowed` }];
  }
  if (k.kind === 'rsa') {
    if (k.bits < policy.keys.rsaMinBits) return [{ field, rule: 'key-too-weak', message: `RSA-${k.bits} is below ${policy.keys.rsaMinBits} bits` }];
    if (k.bits > policy.keys.rsaMaxBits) return [{ field, rule: 'key-unsupported', message: `RSA-${k.bits} is above ${policy.keys.rsaMaxBits} bits` }];
    return [];
  }
  return [{ field, rule: 'key-unsupported', message: `key algorithm ${k.algorithm} is not allowed` }];
};

/** Every rule that runs on a parsed request, in reporting order. The signature check is separate (async). */
export const RULES: readonly Rule[] = [requesterUsername, requesterGroups, subjectIsIdentity, commonNameIsNotRequester, requestedExtensions, usages, expiration, keyAllowed];
