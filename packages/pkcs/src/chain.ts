import { bytesEqual, toHex } from './der.js';
import { certificateInternals, checkValidity } from './certificate.js';
import type { ParsedCertificate } from './certificate.js';
import { OID } from './extensions.js';
import { rsaVerifyKeyProblem } from './keys.js';
import { importVerifyKey, verifyWithKey } from './signature.js';

/** Why a chain was refused. */
export type ChainFailure = 'untrusted' | 'expired' | 'not-yet-valid' | 'issuer-not-ca' | 'bad-signature' | 'key-usage' | 'eku' | 'path-length' | 'malformed';

/** The outcome of {@link verifyChain}: the verified chain (leaf..root), or the reason and a human detail. */
export type ChainResult =
  | { readonly ok: true; readonly chain: readonly ParsedCertificate[] }
  | { readonly ok: false; readonly reason: ChainFailure; readonly detail: string };

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** Trust anchors; a root is trusted as-is (self-signed or not) but must still be a valid CA issuer. */
  readonly roots: readonly ParsedCertificate[];
  /** Untrusted intermediates presented by the peer, in any order. Default none. */
  readonly intermediates?: readonly ParsedCertificate[];
  readonly now: Date;
  /**
   * Clock skew allowed on the LEAF's validity window only. Default 0. Issuers (intermediates and roots)
   * get none, as in Go's x509.Verify (docs/security-model.md).
   */
  readonly skewSeconds?: number;
  /**
   * The required extended key usage (x509.Verify's `KeyUsages`). When given, every certificate of the
   * chain that carries an EKU extension must list exactly this OID (anyExtendedKeyUsage does not count:
   * OpenSSL's reading). For clientAuth, a leaf with keyUsage must also allow digitalSignature or
   * keyAgreement (OpenSSL's sslclient purpose).
   */
  readonly requiredEku?: string;
  /** Maximum number of issuers (intermediates + root) above the leaf. Default 5. */
  readonly maxDepth?: number;
}

/**
 * Upper bound on signature checks per call (Go's own bound is 100). Presented intermediates are
 * attacker-controlled: same-name CA certificates would otherwise make the path search exponential.
 */
export const MAX_CANDIDATE_CHECKS = 64;

/** Upper bound on issuer candidates the name-only path search looks at per call (no cryptography there). */
export const MAX_NAME_PATH_STEPS = 256;

/** Extensions whose criticality we honour; any other critical extension makes a certificate unusable. */
const UNDERSTOOD = new Set<string>([
  OID.basicConstraints, OID.keyUsage, OID.extKeyUsage, OID.subjectAltName, OID.subjectKeyIdentifier, OID.authorityKeyIdentifier,
]);

/**
 * Verifies that `leaf` chains to one of `roots`, possibly through `intermediates`, as strictly as Go's
 * `x509.Verify` with `KeyUsages: [requiredEku]` (what kube-apiserver runs) and OpenSSL's `sslclient`
 * purpose, plus the deliberate extra refusals listed in docs/security-model.md.
 *
 * The search is built for unauthenticated input. First a path of issuer/subject NAME matches is built from
 * the leaf to a trusted root, checking only what costs no cryptography (CA flag, keyCertSign, pathLength,
 * validity, EKU nesting, critical extensions, RSA key bounds); a path never revisits a CA (same subject and
 * key, as Go's alreadyInChain) nor the same certificate. Only a complete name path has its signatures
 * checked, TOP-DOWN: the trusted root's key verifies the first intermediate before that intermediate's
 * (attacker-chosen) key is ever used. So a client without a trusted certificate costs at most one
 * signature check per distinct certificate directly below a trusted root. Both phases are bounded
 * ({@link MAX_NAME_PATH_STEPS}, {@link MAX_CANDIDATE_CHECKS}).
 *
 * Reasons: no name-matching issuer -> 'untrusted'; name matches but no signature verifies -> 'bad-signature';
 * when several paths fail, the most specific failure is reported. A certificate never issues itself.
 * Never throws for certificate content. Imported issuer keys and verified pairs are cached per certificate
 * object, so keep parsed roots and reuse them across calls.
 */
export async function verifyChain(leaf: ParsedCertificate, options: VerifyChainOptions, crypto: Crypto = globalThis.crypto): Promise<ChainResult> {
  const maxDepth = options.maxDepth ?? 5;
  const skew = options.skewSeconds ?? 0;
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) return fail('malformed', 'now is not a valid Date');
  const leafProblem = usabilityProblem(leaf, 'leaf', options.now, skew);
  if (leafProblem) return leafProblem;
  if (options.requiredEku !== undefined) {
    if (leaf.extensions.some((e) => e.oid === OID.extKeyUsage) && !(leaf.extendedKeyUsage ?? []).includes(options.requiredEku)) {
      return fail('eku', `leaf extended key usage does not include ${options.requiredEku}`);
    }
    // OpenSSL's sslclient purpose: a client leaf with keyUsage must allow digitalSignature or keyAgreement.
    if (options.requiredEku === EKU_CLIENT_AUTH && leaf.keyUsage !== undefined && !leaf.keyUsage.includes('digitalSignature') && !leaf.keyUsage.includes('keyAgreement')) {
      return fail('key-usage', 'leaf keyUsage allows neither digitalSignature nor keyAgreement');
    }
  }
  const rootIndex = indexBySubject(options.roots);
  const intermediates = options.intermediates ?? [];

  let steps = MAX_NAME_PATH_STEPS;
  let signatureChecks = MAX_CANDIDATE_CHECKS;
  let best: ChainResult | undefined;
  const consider = (r: ChainResult): void => {
    if (r.ok) return;
    if (!best || best.ok) best = r;
    else if (rank(r.reason) > rank(best.reason)) best = r;
  };

  /** Signatures of a complete name path, from the trusted root down; true when all verify. */
  const signaturesHold = async (path: readonly ParsedCertificate[]): Promise<boolean> => {
    for (let k = path.length - 1; k >= 1; k--) {
      const issuer = path[k]!;
      const child = path[k - 1]!;
      if (!hasVerdict(child, issuer, crypto) && --signatureChecks < 0) {
        consider(fail('untrusted', `gave up after ${MAX_CANDIDATE_CHECKS} signature checks`));
        return false;
      }
      if (!(await signedBy(child, issuer, crypto))) {
        consider(fail('bad-signature', `${describe(child)} is not signed by ${describe(issuer)}`));
        return false;
      }
    }
    return true;
  };

  const search = async (path: ParsedCertificate[]): Promise<ChainResult | undefined> => {
    const cert = path[path.length - 1]!;
    const below = path.length - 1; // intermediates between a candidate issuer of `cert` and the leaf
    const key = toHex(cert.issuerDer);
    const candidates: Array<{ c: ParsedCertificate; root: boolean }> = [
      ...(rootIndex.get(key) ?? []).map((c) => ({ c, root: true })),
      ...intermediates.filter((c) => bytesEqual(c.subjectDer, cert.issuerDer)).map((c) => ({ c, root: false })),
    ];
    let nameMatched = false;
    for (const { c, root } of candidates) {
      if (path.some((p) => bytesEqual(p.der, c.der) || (bytesEqual(p.subjectDer, c.subjectDer) && bytesEqual(p.spki, c.spki)))) continue;
      nameMatched = true;
      if (--steps < 0 || signatureChecks < 0) {
        consider(fail('untrusted', `gave up after examining ${MAX_NAME_PATH_STEPS} issuer candidates`));
        return undefined;
      }
      const problem = issuerProblem(c, below, options.now, options.requiredEku);
      if (problem) {
        consider(problem);
        continue;
      }
      if (root) {
        const chain = [...path, c];
        if (await signaturesHold(chain)) return { ok: true, chain: Object.freeze(chain) };
        continue;
      }
      if (path.length >= maxDepth) {
        consider(fail('path-length', `chain longer than maxDepth ${maxDepth}`));
        continue;
      }
      const r = await search([...path, c]);
      if (r?.ok) return r;
    }
    if (!nameMatched) consider(fail('untrusted', `no trusted or presented issuer for ${describe(cert)}`));
    return undefined;
  };

  const result = await search([leaf]);
  return result ?? best ?? fail('untrusted', 'no path to a trusted root');
}

function rank(reason: ChainFailure): number {
  return reason === 'untrusted' ? 0 : reason === 'bad-signature' ? 1 : 2;
}

function fail(reason: ChainFailure, detail: string): ChainResult {
  return { ok: false, reason, detail };
}

function describe(cert: ParsedCertificate): string {
  const cn = cert.subject.flat().find((a) => a.oid === OID.commonName)?.value;
  return `certificate ${cn !== undefined ? `CN=${JSON.stringify(cn)} ` : ''}serial ${cert.serialNumber}`;
}

function usabilityProblem(cert: ParsedCertificate, role: string, now: Date, skew: number): ChainResult | undefined {
  let internals;
  try {
    internals = certificateInternals(cert);
  } catch {
    return fail('malformed', `${role} ${describe(cert)} cannot be parsed`);
  }
  if (!internals.algorithmsAgree) return fail('malformed', `${role} ${describe(cert)} has mismatched signature algorithms`);
  for (const e of cert.extensions) {
    if ((e.oid === OID.basicConstraints || e.oid === OID.keyUsage || e.oid === OID.extKeyUsage) && e.decodeError !== undefined) {
      return fail('malformed', `${role} ${describe(cert)} has an undecodable ${e.oid} extension`);
    }
    if (e.critical && !UNDERSTOOD.has(e.oid)) return fail('malformed', `${role} ${describe(cert)} has an unhandled critical extension ${e.oid}`);
  }
  const v = checkValidity(cert, now, skew);
  if (!v.ok) return fail(v.reason, `${role} ${describe(cert)} is ${v.reason === 'expired' ? `expired (notAfter ${cert.notAfter.toISOString()})` : `not yet valid (notBefore ${cert.notBefore.toISOString()})`}`);
  return undefined;
}

/** Everything about a candidate issuer that costs no cryptography. Issuers get no clock skew. */
function issuerProblem(c: ParsedCertificate, below: number, now: Date, requiredEku: string | undefined): ChainResult | undefined {
  const u = usabilityProblem(c, 'issuer', now, 0);
  if (u) return u;
  if (c.basicConstraints?.ca !== true) return fail('issuer-not-ca', `issuer ${describe(c)} is not a CA (basicConstraints CA:TRUE missing)`);
  if (c.keyUsage !== undefined && !c.keyUsage.includes('keyCertSign')) return fail('key-usage', `issuer ${describe(c)} lacks keyCertSign`);
  const pl = c.basicConstraints.pathLength;
  if (pl !== undefined && below > pl) return fail('path-length', `issuer ${describe(c)} allows ${pl} intermediate(s) below it, found ${below}`);
  // EKU nests (Go's checkChainForKeyUsage, OpenSSL's purpose check on CAs): an issuer that lists EKUs
  // without the required one cannot issue certificates for that use. anyExtendedKeyUsage does not count:
  // Go accepts it, OpenSSL does not, and we take the stricter reading.
  if (requiredEku !== undefined && c.extensions.some((e) => e.oid === OID.extKeyUsage)) {
    if (!(c.extendedKeyUsage ?? []).includes(requiredEku)) return fail('eku', `issuer ${describe(c)} extended key usage does not list ${requiredEku}`);
  }
  const keyProblem = rsaVerifyKeyProblem(c.spki);
  if (keyProblem !== undefined) return fail('malformed', `issuer ${describe(c)} has an unusable key: ${keyProblem}`);
  return undefined;
}

const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

// ---- caches: imported issuer keys and verified (child, issuer) pairs, keyed by object identity ----

const keyCache = new WeakMap<Crypto, WeakMap<ParsedCertificate, Map<string, Promise<CryptoKey | undefined>>>>();
const verifiedCache = new WeakMap<Crypto, WeakMap<ParsedCertificate, WeakMap<ParsedCertificate, boolean>>>();
const rootIndexCache = new WeakMap<readonly ParsedCertificate[], { members: ParsedCertificate[]; index: Map<string, ParsedCertificate[]> }>();

/** Roots indexed by subject bytes; cached per roots array and rebuilt if its members changed. */
function indexBySubject(roots: readonly ParsedCertificate[]): Map<string, ParsedCertificate[]> {
  const cached = rootIndexCache.get(roots);
  if (cached && cached.members.length === roots.length && cached.members.every((r, i) => r === roots[i])) return cached.index;
  const index = new Map<string, ParsedCertificate[]>();
  for (const r of roots) {
    const k = toHex(r.subjectDer);
    const list = index.get(k);
    if (list) list.push(r);
    else index.set(k, [r]);
  }
  rootIndexCache.set(roots, { members: [...roots], index });
  return index;
}

function hasVerdict(child: ParsedCertificate, issuer: ParsedCertificate, crypto: Crypto): boolean {
  return verifiedCache.get(crypto)?.get(child)?.get(issuer) !== undefined;
}

async function signedBy(child: ParsedCertificate, issuer: ParsedCertificate, crypto: Crypto): Promise<boolean> {
  let perCrypto = verifiedCache.get(crypto);
  if (!perCrypto) verifiedCache.set(crypto, (perCrypto = new WeakMap()));
  let perChild = perCrypto.get(child);
  const hit = perChild?.get(issuer);
  if (hit !== undefined) return hit;
  let parts;
  try {
    parts = certificateInternals(child).signed;
  } catch {
    return false;
  }
  let keys = keyCache.get(crypto);
  if (!keys) keyCache.set(crypto, (keys = new WeakMap()));
  let perIssuer = keys.get(issuer);
  if (!perIssuer) keys.set(issuer, (perIssuer = new Map()));
  let keyPromise = perIssuer.get(parts.algorithm);
  if (!keyPromise) {
    keyPromise = importVerifyKey(issuer.spki, parts.algorithm, crypto);
    perIssuer.set(parts.algorithm, keyPromise);
  }
  const key = await keyPromise;
  const ok = key ? await verifyWithKey(key, parts, crypto) : false;
  if (!perChild) perCrypto.set(child, (perChild = new WeakMap()));
  perChild.set(issuer, ok);
  return ok;
}
