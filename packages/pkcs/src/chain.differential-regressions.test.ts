// Regressions for every chain disagreement the differential tests (Go x509.Verify, openssl verify) found,
// plus the hostile-input bounds: one sentence per case.
import { beforeAll, describe, expect, it } from 'vitest';
import { createCertificate } from './certificate.js';
import type { ParsedCertificate } from './certificate.js';
import { verifyChain } from './chain.js';
import type { ChainFailure } from './chain.js';
import { hostileRsaSpki, withSpki } from './testing/oracles/x509-arbitraries.js';
import { basicConstraintsExtension, EKU, extendedKeyUsageExtension, keyUsageExtension } from './extensions.js';
import type { ExtensionInput } from './extensions.js';
import { generateKeyPair, type KeyPair } from './keys.js';
import { commonNameInput } from './names.js';

const HOUR = 3_600_000;
const now = new Date();
const at = (ms: number) => new Date(now.getTime() + ms);
let rootKeys: KeyPair;
let interKeys: KeyPair;
let leafKeys: KeyPair;
beforeAll(async () => {
  [rootKeys, interKeys, leafKeys] = await Promise.all([generateKeyPair(), generateKeyPair(), generateKeyPair()]);
});

const CA_EXT = (extra: ExtensionInput[] = []) => [basicConstraintsExtension(true), keyUsageExtension(['keyCertSign', 'cRLSign']), ...extra];

async function chain(o: { rootExt?: ExtensionInput[]; interExt?: ExtensionInput[] | null; leafExt?: ExtensionInput[]; interWindow?: [Date, Date] }) {
  const root = await createCertificate({ subject: commonNameInput('reg root'), publicKey: rootKeys.publicKey, signer: { privateKey: rootKeys.privateKey }, notBefore: at(-HOUR), notAfter: at(HOUR), extensions: o.rootExt ?? CA_EXT() });
  let issuer = { cert: root, keys: rootKeys };
  const intermediates: ParsedCertificate[] = [];
  if (o.interExt !== null) {
    const [nb, na] = o.interWindow ?? [at(-HOUR), at(HOUR)];
    const inter = await createCertificate({ subject: commonNameInput('reg intermediate'), publicKey: interKeys.publicKey, signer: { privateKey: rootKeys.privateKey, certificate: root }, notBefore: nb, notAfter: na, extensions: o.interExt ?? CA_EXT() });
    intermediates.push(inter);
    issuer = { cert: inter, keys: interKeys };
  }
  const leaf = await createCertificate({
    subject: commonNameInput('reg leaf'), publicKey: leafKeys.publicKey, signer: { privateKey: issuer.keys.privateKey, certificate: issuer.cert },
    notBefore: at(-HOUR), notAfter: at(HOUR), extensions: o.leafExt ?? [keyUsageExtension(['digitalSignature']), extendedKeyUsageExtension([EKU.clientAuth])],
  });
  return { leaf, roots: [root], intermediates };
}

describe('verifyChain agrees with Go and OpenSSL (regressions found by the differential tests)', () => {
  it.each<[string, Parameters<typeof chain>[0], ChainFailure | 'ok']>([
    ['an intermediate whose EKU is serverAuth only cannot issue a client certificate (Go, OpenSSL)', { interExt: CA_EXT([extendedKeyUsageExtension([EKU.serverAuth])]) }, 'eku'],
    ['a root whose EKU is serverAuth only cannot issue a client certificate (Go, OpenSSL)', { rootExt: CA_EXT([extendedKeyUsageExtension([EKU.serverAuth])]), interExt: null }, 'eku'],
    ['an intermediate whose EKU lists clientAuth may issue client certificates', { interExt: CA_EXT([extendedKeyUsageExtension([EKU.serverAuth, EKU.clientAuth])]) }, 'ok'],
    ['an intermediate whose EKU is anyExtendedKeyUsage only is refused (OpenSSL; Go would accept)', { interExt: CA_EXT([extendedKeyUsageExtension([EKU.any])]) }, 'eku'],
    ['a leaf whose keyUsage is keyEncipherment only is refused (OpenSSL sslclient; Go ignores keyUsage)', { interExt: null, leafExt: [keyUsageExtension(['keyEncipherment']), extendedKeyUsageExtension([EKU.clientAuth])] }, 'key-usage'],
    ['a leaf whose keyUsage is keyAgreement is accepted (OpenSSL sslclient)', { interExt: null, leafExt: [keyUsageExtension(['keyAgreement']), extendedKeyUsageExtension([EKU.clientAuth])] }, 'ok'],
    ['an intermediate that expired 30 s ago is refused: issuers get no clock skew (Go)', { interWindow: [at(-HOUR), at(-30_000)] }, 'expired'],
    ['an intermediate valid only in 30 s is refused: issuers get no clock skew (Go)', { interWindow: [at(30_000), at(HOUR)] }, 'not-yet-valid'],
  ])('%s', async (_name, o, expected) => {
    const c = await chain(o);
    const r = await verifyChain(c.leaf, { roots: c.roots, intermediates: c.intermediates, now, skewSeconds: 60, requiredEku: EKU.clientAuth });
    expect(r.ok ? 'ok' : r.reason).toBe(expected);
  });
});

/** Counts WebCrypto verify calls. */
function countingCrypto(): { crypto: Crypto; verifies: () => number } {
  let n = 0;
  const subtle = new Proxy(crypto.subtle, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === 'verify') return (...args: Parameters<SubtleCrypto['verify']>) => ((n += 1), target.verify(...args));
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { crypto: { getRandomValues: crypto.getRandomValues.bind(crypto), subtle } as unknown as Crypto, verifies: () => n };
}

describe('verifyChain spends no signature check on a client without a trusted path (hostile input)', () => {
  it('same-name intermediates with huge RSA exponents and no name path to a root cost no signature check', async () => {
    const { parseCertificate } = await import('./certificate.js');
    const root = await createCertificate({ subject: commonNameInput('trusted root'), publicKey: rootKeys.publicKey, signer: { privateKey: rootKeys.privateKey }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const hostileTemplate = await createCertificate({ subject: commonNameInput('evil'), publicKey: interKeys.publicKey, signer: { privateKey: interKeys.privateKey }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const hostile = [1, 2, 3, 4, 5, 6].map((k) => parseCertificate(withSpki(hostileTemplate.der, hostileRsaSpki(384, Uint8Array.from({ length: 300 }, (_, i) => (i === 0 ? 0x80 + k : 0xff))))));
    const leaf = await createCertificate({ subject: commonNameInput('victim'), publicKey: leafKeys.publicKey, signer: { privateKey: interKeys.privateKey, certificate: hostileTemplate }, notBefore: at(-HOUR), notAfter: at(HOUR) });
    const counting = countingCrypto();
    const r = await verifyChain(leaf, { roots: [root], intermediates: hostile, now, requiredEku: EKU.clientAuth }, counting.crypto);
    expect(r.ok).toBe(false);
    expect(counting.verifies()).toBe(0);
  });

  it('an issuer whose RSA exponent exceeds 2^31-1 is refused before any signature check (Go refuses it too)', async () => {
    const { parseCertificate } = await import('./certificate.js');
    const template = await createCertificate({ subject: commonNameInput('trusted root'), publicKey: rootKeys.publicKey, signer: { privateKey: rootKeys.privateKey }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const hugeE = parseCertificate(withSpki(template.der, hostileRsaSpki(256, Uint8Array.of(0x01, 0x00, 0x00, 0x00, 0x01))));
    const leaf = await createCertificate({ subject: commonNameInput('victim'), publicKey: leafKeys.publicKey, signer: { privateKey: rootKeys.privateKey, certificate: template }, notBefore: at(-HOUR), notAfter: at(HOUR) });
    const counting = countingCrypto();
    const r = await verifyChain(leaf, { roots: [hugeE], now }, counting.crypto);
    expect(r).toMatchObject({ ok: false, reason: 'malformed' });
    expect(counting.verifies()).toBe(0);
  });

  it('a cross-certificate loop (A issued by B, B issued by A) is never followed round: no path, no signature check', async () => {
    const root = await createCertificate({ subject: commonNameInput('trusted root'), publicKey: rootKeys.publicKey, signer: { privateKey: rootKeys.privateKey }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const aSelf = await createCertificate({ subject: commonNameInput('loop A'), publicKey: interKeys.publicKey, signer: { privateKey: interKeys.privateKey }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const b = await createCertificate({ subject: commonNameInput('loop B'), publicKey: leafKeys.publicKey, signer: { privateKey: interKeys.privateKey, certificate: aSelf }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const a = await createCertificate({ subject: commonNameInput('loop A'), publicKey: interKeys.publicKey, signer: { privateKey: leafKeys.privateKey, certificate: b }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const leafK = await generateKeyPair();
    const leaf = await createCertificate({ subject: commonNameInput('victim'), publicKey: leafK.publicKey, signer: { privateKey: interKeys.privateKey, certificate: a }, notBefore: at(-HOUR), notAfter: at(HOUR) });
    const counting = countingCrypto();
    const r = await verifyChain(leaf, { roots: [root], intermediates: [a, b, aSelf], now }, counting.crypto);
    expect(r).toMatchObject({ ok: false, reason: 'untrusted' });
    expect(counting.verifies()).toBe(0);
  });

  it('a same-subject, same-key cross-certificate is not revisited on the way to the root', async () => {
    const root = await createCertificate({ subject: commonNameInput('trusted root'), publicKey: rootKeys.publicKey, signer: { privateKey: rootKeys.privateKey }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const inter = await createCertificate({ subject: commonNameInput('cross'), publicKey: interKeys.publicKey, signer: { privateKey: rootKeys.privateKey, certificate: root }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const selfCross = await createCertificate({ subject: commonNameInput('cross'), publicKey: interKeys.publicKey, signer: { privateKey: interKeys.privateKey, certificate: inter }, notBefore: at(-HOUR), notAfter: at(HOUR), ca: {} });
    const leaf = await createCertificate({ subject: commonNameInput('victim'), publicKey: leafKeys.publicKey, signer: { privateKey: interKeys.privateKey, certificate: inter }, notBefore: at(-HOUR), notAfter: at(HOUR) });
    const r = await verifyChain(leaf, { roots: [root], intermediates: [selfCross, inter], now });
    expect(r.ok && r.chain.length).toBe(3);
  });
});
