import { exportSpki, importPrivateKeyPem, verifyChain, type ParsedCertificate } from '@certscrape/pkcs';
import { checkScraperCertificate, MIN_REMAINING_SECONDS, NOT_AFTER_ANNOTATION, NOT_BEFORE_ANNOTATION, rotationDeadline, type ScraperIdentity } from '@certscrape/identity';
import type { InstalledPair } from './plan.js';
import { assessSigner, DEFAULT_SIGNER_PROBE, type BundleCa, type SignerProbePolicy } from './signer-rotation.js';

/** Secret annotation recording when the operator installed the pair (RFC 3339); floors the rotation deadline. */
export const ISSUED_AT_ANNOTATION = 'certscrape.io/issued-at';
export { NOT_AFTER_ANNOTATION, NOT_BEFORE_ANNOTATION };

/** The parts of a `kubernetes.io/tls` Secret the operator looks at (data is base64, as the API returns it). */
export interface TlsSecretView {
  readonly data?: Readonly<Record<string, string>> | undefined;
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> | undefined } | undefined;
}

/** A bundle certificate as the signer decision sees it. */
export function bundleCa(cert: ParsedCertificate): BundleCa {
  return { key: toHex(cert.spki), notBefore: cert.notBefore };
}

/** The root of `roots` that `cert` chains to (undefined = none). Signatures only, at `now`. */
export async function issuingRoot(cert: ParsedCertificate, roots: readonly ParsedCertificate[], now: Date, crypto: Crypto = globalThis.crypto): Promise<ParsedCertificate | undefined> {
  for (const root of roots) {
    const chain = await verifyChain(cert, { roots: [root], now, skewSeconds: 60 }, crypto).catch(() => undefined);
    if (chain?.ok) return root;
  }
  return undefined;
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * A stable jitter draw in [0, 1) for one certificate, from its serial number, so every
 * reconcile (and every restart) computes the same rotation deadline for the same certificate.
 */
export function serialJitter(serialHex: string): number {
  const tail = serialHex.replace(/[^0-9a-f]/gi, '').slice(-8).padStart(8, '0');
  return parseInt(tail, 16) / 2 ** 32;
}

/**
 * The rotation deadline of an installed certificate, floored by the time it was installed and
 * capped {@link MIN_REMAINING_SECONDS} before NotAfter: from then on checkScraperCertificate
 * reports `lifetime` and the pair is rotated at once, so a later deadline (a short, backdated
 * certificate's floor can land there) would be a deadline the operator does not keep — and the
 * exported `rotation_deadline_timestamp_seconds` would say a rotation comes later than it does.
 */
export function rotateAtFor(cert: ParsedCertificate, issuedAt: Date | undefined): Date {
  const deadline = rotationDeadline({ notBefore: cert.notBefore, notAfter: cert.notAfter }, () => serialJitter(cert.serialNumber), issuedAt ? { issuedAt } : {});
  const lastUsable = cert.notAfter.getTime() - MIN_REMAINING_SECONDS * 1000;
  return deadline.getTime() > lastUsable ? new Date(lastUsable) : deadline;
}

function parseTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t) : undefined;
}

function decodeField(data: TlsSecretView['data'], key: string): string | undefined {
  const b64 = data?.[key];
  if (!b64) return undefined;
  const text = Buffer.from(b64, 'base64').toString('utf8');
  return text.trim() === '' ? undefined : text;
}

/**
 * Assesses the pair in the target Secret (undefined = the Secret does not exist): both
 * halves present and parsable, and the certificate a valid scraper certificate for the key
 * (identity's `checkScraperCertificate`: subject, EKU clientAuth, chain to `roots`, validity). Valid pairs get their
 * rotation deadline and the signer assessment (is a CA newer than their issuer in `roots`;
 * signer-rotation.ts). Key material stays inside this function.
 */
export async function assessInstalledPair(
  secret: TlsSecretView | undefined,
  options: { readonly identity: ScraperIdentity; readonly roots: readonly ParsedCertificate[]; readonly now: Date; readonly signerProbe?: SignerProbePolicy },
  crypto: Crypto = globalThis.crypto,
): Promise<InstalledPair> {
  if (!secret) return { state: 'missing' };
  const certPem = decodeField(secret.data, 'tls.crt');
  const keyPem = decodeField(secret.data, 'tls.key');
  if (!certPem || !keyPem) {
    return { state: 'unusable', problems: [...(certPem ? [] : (['missing-cert'] as const)), ...(keyPem ? [] : (['missing-key'] as const))] };
  }
  let keys;
  try {
    keys = await importPrivateKeyPem(keyPem, crypto);
  } catch {
    return { state: 'unusable', problems: ['malformed-key'] };
  }
  const result = await checkScraperCertificate({ certPem, keys, identity: options.identity, roots: options.roots, now: options.now }, crypto);
  // Remaining-lifetime shortness is a reason to rotate, not to call the pair broken.
  const problems = result.problems.filter((p) => p !== 'lifetime');
  if (problems.length > 0 || !result.certificate) return { state: 'unusable', problems: problems.length ? problems : ['malformed-cert'] };
  const cert = result.certificate;
  const issuedAt = parseTime(secret.metadata?.annotations?.[ISSUED_AT_ANNOTATION]);
  const rotateAt = result.problems.includes('lifetime') ? options.now : rotateAtFor(cert, issuedAt);
  // The chain verified, so one root issued it; which one decides whether a signer rotation is under way.
  const root = await issuingRoot(cert, options.roots, options.now, crypto);
  const signer = root ? assessSigner(bundleCa(root), options.roots.map(bundleCa), issuedAt ?? cert.notBefore, options.signerProbe ?? DEFAULT_SIGNER_PROBE) : ({ state: 'current' } as const);
  return { state: 'valid', notBefore: cert.notBefore, notAfter: cert.notAfter, rotateAt, spki: toHex(await exportSpki(keys, crypto)), signer };
}
