import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { parseCsr } from '@certscrape/pkcs';
import { CSR_GENERATE_NAME, CSR_SUBJECT_LABEL, type CsrSpec } from '@certscrape/identity';
import { toHex } from './installed-pair.js';
import { MANAGED_BY_LABEL } from './pending-state.js';
import type { CsrObservation, PairProblem } from './plan.js';

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'; // Kubernetes' generateName alphabet: no vowels, no look-alikes

/**
 * A CSR name in the `generateName` style (`certscrape-metrics-client-` + 10 random
 * characters), chosen by the operator so it can be persisted BEFORE the CSR exists.
 * `randomBytes` must return uniformly random bytes.
 */
export function newCsrName(randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(10);
  let suffix = '';
  for (const b of bytes) suffix += NAME_ALPHABET[b % NAME_ALPHABET.length];
  return CSR_GENERATE_NAME + suffix;
}

/**
 * Value of the `certscrape.io/csr-subject` label for a username: its last `:`-separated
 * segment (`prometheus-k8s` for the default identity), cut to a valid label value.
 * A filtering hint only, never a security boundary.
 */
export function csrSubjectLabelValue(username: string): string {
  const last = username.split(':').pop() ?? '';
  const cleaned = last.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned || 'scraper';
}

/**
 * The CSR object the operator creates. `metadata.name` is the pre-persisted name and
 * `metadata.generateName` records the naming scheme. `expirationSeconds` is included
 * only when the server knows the field (Kubernetes >= 1.22).
 */
export function buildCsrObject(options: {
  readonly name: string;
  readonly spec: CsrSpec;
  readonly username: string;
  readonly includeExpirationSeconds: boolean;
}): V1CertificateSigningRequest {
  const { spec } = options;
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: {
      name: options.name,
      generateName: CSR_GENERATE_NAME,
      labels: { [CSR_SUBJECT_LABEL]: csrSubjectLabelValue(options.username), ...MANAGED_BY_LABEL },
    },
    spec: {
      request: Buffer.from(spec.request, 'utf8').toString('base64'),
      signerName: spec.signerName,
      usages: [...spec.usages],
      ...(options.includeExpirationSeconds ? { expirationSeconds: spec.expirationSeconds } : {}),
    },
  };
}

/** True when the server version (from /version) supports `spec.expirationSeconds` (>= 1.22). */
export function supportsExpirationSeconds(version: { major?: string; minor?: string }): boolean {
  const major = parseInt(version.major ?? '', 10);
  const minor = parseInt(version.minor ?? '', 10); // "20+" on some distributions
  if (!Number.isFinite(major) || !Number.isFinite(minor)) return false;
  return major > 1 || (major === 1 && minor >= 22);
}

/** Hex SPKI requested by a CSR object, or undefined when the request does not parse. */
export function csrRequestSpki(csr: V1CertificateSigningRequest): string | undefined {
  try {
    const pem = Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8');
    return toHex(parseCsr(pem).spki);
  } catch {
    return undefined;
  }
}

/** Why a CSR object is not the one the pending state describes, or undefined when it is. */
export function csrIncompatibility(csr: V1CertificateSigningRequest, expected: { readonly spki: string; readonly signerName: string }): string | undefined {
  const name = csr.metadata?.name ?? '?';
  if (csr.spec?.signerName !== expected.signerName) return `CertificateSigningRequest ${name} names signer ${String(csr.spec?.signerName)}, not ${expected.signerName}`;
  if (csrRequestSpki(csr) !== expected.spki) return `CertificateSigningRequest ${name} requests a different public key than the pending one`;
  return undefined;
}

function conditionMessage(c: { type: string; reason?: string; message?: string }): string {
  const parts = [c.reason, c.message].filter((s): s is string => !!s && s.trim() !== '');
  return parts.length ? parts.join(': ') : `${c.type} without a message`;
}

/**
 * Classifies a CSR object for plan(): absent, not ours, waiting, denied/failed (with the
 * approver's or signer's reason and message), or issued (with the issued-certificate
 * problems computed by `checkIssued`). Denied/Failed win over an issued certificate.
 */
export async function observeCsr(
  csr: V1CertificateSigningRequest | undefined,
  expected: { readonly spki: string; readonly signerName: string },
  checkIssued: (certPem: string) => Promise<readonly PairProblem[]>,
): Promise<CsrObservation> {
  if (!csr) return { state: 'absent' };
  const incompatible = csrIncompatibility(csr, expected);
  if (incompatible) return { state: 'incompatible', message: incompatible };
  const conditions = csr.status?.conditions ?? [];
  const active = (type: string) => conditions.find((c) => c.type === type && (c.status === undefined || c.status === 'True'));
  const denied = active('Denied');
  if (denied) return { state: 'denied', message: conditionMessage(denied) };
  const failed = active('Failed');
  if (failed) return { state: 'failed', message: conditionMessage(failed) };
  const certB64 = csr.status?.certificate;
  if (certB64 && certB64.length > 0) {
    const certPem = Buffer.from(certB64, 'base64').toString('utf8');
    return { state: 'issued', problems: await checkIssued(certPem) };
  }
  return { state: 'waiting', approved: active('Approved') !== undefined };
}

/** The issued certificate PEM of a CSR object, if any. */
export function issuedCertificatePem(csr: V1CertificateSigningRequest | undefined): string | undefined {
  const b64 = csr?.status?.certificate;
  return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
}
