import { beforeAll, describe, expect, it } from 'vitest';
import { createCertificate, parseCertificate } from './certificate.js';
import type { ParsedCertificate } from './certificate.js';
import { MAX_CANDIDATE_CHECKS, verifyChain } from './chain.js';
import type { ChainFailure, VerifyChainOptions } from './chain.js';
import { basicConstraintsExtension, EKU, keyUsageExtension } from './extensions.js';
import { generateKeyPair } from './keys.js';
import { commonNameInput } from './names.js';
import { createTestCa, issueTestLeaf } from './testing/index.js';
import type { TestCa } from './testing/index.js';

const HOUR = 3_600_000;
const now = new Date();
const at = (hours: number) => new Date(now.getTime() + hours * HOUR);

let root: TestCa;
let inter: TestCa;
let otherRoot: TestCa;
beforeAll(async () => {
  root = await createTestCa({ commonName: 'chain root' });
  inter = await createTestCa({ commonName: 'chain intermediate', parent: root });
  otherRoot = await createTestCa({ commonName: 'some other root' });
});

/** One scenario: builds a leaf and the options it is verified with (defaults: trusted [root], requiredEku clientAuth). */
type Scenario = () => Promise<{ leaf: ParsedCertificate; options?: Partial<VerifyChainOptions> }>;

async function run(build: Scenario) {
  const { leaf, options } = await build();
  return verifyChain(leaf, { roots: [root.certificate], now, requiredEku: EKU.clientAuth, ...options });
}

const leafOf = async (ca: TestCa, opts: Parameters<typeof issueTestLeaf>[1] = {}) => (await issueTestLeaf(ca, opts)).certificate;

describe('verifyChain accepts', () => {
  it.each<[string, Scenario, number]>([
    ['a leaf issued directly by a trusted root', async () => ({ leaf: await leafOf(root) }), 2],
    ['a leaf issued via a presented intermediate', async () => ({ leaf: await leafOf(inter), options: { intermediates: [inter.certificate] } }), 3],
    ['a leaf whose intermediate is presented among unrelated certificates', async () => ({
      leaf: await leafOf(inter),
      options: { intermediates: [otherRoot.certificate, (await createTestCa()).certificate, inter.certificate] },
    }), 3],
    ['a leaf under the second of several roots', async () => ({ leaf: await leafOf(otherRoot), options: { roots: [root.certificate, otherRoot.certificate] } }), 2],
    ['a leaf without any EKU extension when an EKU is required', async () => ({ leaf: await leafOf(root, { extendedKeyUsages: null }) }), 2],
    ['a leaf carrying both serverAuth and clientAuth', async () => ({ leaf: await leafOf(root, { extendedKeyUsages: [EKU.serverAuth, EKU.clientAuth] }) }), 2],
    ['a just-expired leaf within the allowed clock skew', async () => ({ leaf: await leafOf(root, { notAfter: at(-0.01) }), options: { skewSeconds: 120 } }), 2],
    ['a chain mixing algorithms: P-384 root, RSA intermediate, P-256 leaf', async () => {
      const r384 = await createTestCa({ keySpec: { kind: 'ecdsa', curve: 'P-384' } });
      const rsa = await createTestCa({ parent: r384, keySpec: { kind: 'rsa', bits: 1024 } });
      return { leaf: await leafOf(rsa), options: { roots: [r384.certificate], intermediates: [rsa.certificate] } };
    }, 3],
    ['a leaf directly under an intermediate with pathLength 0', async () => {
      const i0 = await createTestCa({ parent: root, pathLength: 0 });
      return { leaf: await leafOf(i0), options: { intermediates: [i0.certificate] } };
    }, 3],
  ])('%s', async (_name, build, length) => {
    const r = await run(build);
    expect(r.ok ? r.chain.length : r).toBe(length);
  });

  it('returns the chain leaf..root', async () => {
    const leaf = await issueTestLeaf(inter);
    const r = await verifyChain(leaf.certificate, { roots: [root.certificate], intermediates: [inter.certificate], now });
    expect(r.ok && r.chain.map((c) => c.serialNumber)).toEqual([leaf.certificate.serialNumber, inter.certificate.serialNumber, root.certificate.serialNumber]);
  });
});

describe('verifyChain refuses', () => {
  it.each<[string, Scenario, ChainFailure]>([
    ['a leaf signed by a non-CA issuer that is trusted', async () => {
      const notCa = await createTestCa({ ca: false, commonName: 'not a CA' });
      return { leaf: await leafOf(notCa), options: { roots: [notCa.certificate] } };
    }, 'issuer-not-ca'],
    ['a leaf signed by a non-CA intermediate', async () => {
      const notCa = await createTestCa({ ca: false, parent: root });
      return { leaf: await leafOf(notCa), options: { intermediates: [notCa.certificate] } };
    }, 'issuer-not-ca'],
    ["a leaf signed by an untrusted CA bearing the trusted root's name", async () => ({
      leaf: await leafOf(await createTestCa({ commonName: 'chain root' })),
    }), 'bad-signature'],
    ["a leaf signed by an untrusted CA bearing the trusted root's name, the impostor presented as intermediate", async () => {
      const fake = await createTestCa({ commonName: 'chain root' });
      return { leaf: await leafOf(fake), options: { intermediates: [fake.certificate] } };
    }, 'bad-signature'],
    ['a leaf from an unrelated CA', async () => ({ leaf: await leafOf(otherRoot) }), 'untrusted'],
    ['a leaf whose intermediate is not presented', async () => ({ leaf: await leafOf(inter) }), 'untrusted'],
    ['an expired leaf', async () => ({ leaf: await leafOf(root, { notBefore: at(-48), notAfter: at(-1) }) }), 'expired'],
    ['a not-yet-valid leaf', async () => ({ leaf: await leafOf(root, { notBefore: at(1), notAfter: at(48) }) }), 'not-yet-valid'],
    ['a leaf under an expired intermediate', async () => {
      const old = await createTestCa({ parent: root, notBefore: at(-48), notAfter: at(-1) });
      return { leaf: await leafOf(old), options: { intermediates: [old.certificate] } };
    }, 'expired'],
    ['a leaf under a not-yet-valid root', async () => {
      const future = await createTestCa({ notBefore: at(1), notAfter: at(48) });
      return { leaf: await leafOf(future), options: { roots: [future.certificate] } };
    }, 'not-yet-valid'],
    ['a leaf below an intermediate when the root allows pathLength 0', async () => {
      const strictRoot = await createTestCa({ pathLength: 0 });
      const i = await createTestCa({ parent: strictRoot });
      return { leaf: await leafOf(i), options: { roots: [strictRoot.certificate], intermediates: [i.certificate] } };
    }, 'path-length'],
    ['a leaf two intermediates below one with pathLength 0', async () => {
      const i1 = await createTestCa({ parent: root, pathLength: 0 });
      const i2 = await createTestCa({ parent: i1 });
      return { leaf: await leafOf(i2), options: { intermediates: [i1.certificate, i2.certificate] } };
    }, 'path-length'],
    ['a serverAuth-only leaf when clientAuth is required', async () => ({ leaf: await leafOf(root, { extendedKeyUsages: [EKU.serverAuth] }) }), 'eku'],
    ['an anyExtendedKeyUsage-only leaf when clientAuth is required', async () => ({ leaf: await leafOf(root, { extendedKeyUsages: [EKU.any] }) }), 'eku'],
  ])('%s', async (_name, build, reason) => {
    const r = await run(build);
    expect(r.ok ? 'accepted' : r.reason).toBe(reason);
    if (!r.ok) expect(r.detail).toEqual(expect.any(String));
  });

  it('a leaf signed by a CA whose keyUsage lacks keyCertSign (key-usage)', async () => {
    const keys = await generateKeyPair();
    const ca = await createCertificate({
      subject: commonNameInput('CA without keyCertSign'), publicKey: keys.publicKey, signer: { privateKey: keys.privateKey },
      notBefore: at(-1), notAfter: at(24), extensions: [basicConstraintsExtension(true), keyUsageExtension(['digitalSignature', 'cRLSign'])],
    });
    const leaf = await issueTestLeaf({ certificate: ca, keys, certPem: ca.pem, keyPem: '' });
    expect(await verifyChain(leaf.certificate, { roots: [ca], now })).toMatchObject({ ok: false, reason: 'key-usage' });
  });

  it('a leaf with an unhandled critical extension (malformed)', async () => {
    const leafKeys = await generateKeyPair();
    const leaf = await createCertificate({
      subject: commonNameInput('critical unknown'), publicKey: leafKeys.publicKey, signer: { privateKey: root.keys.privateKey, certificate: root.certificate },
      notBefore: at(-1), notAfter: at(1), extensions: [{ oid: '1.2.3.4.5', critical: true, value: Uint8Array.of(5, 0) }],
    });
    expect(await verifyChain(leaf, { roots: [root.certificate], now })).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('a leaf whose bytes were altered after signing (bad-signature)', async () => {
    const leaf = await issueTestLeaf(root, { commonName: 'alter-me' });
    const der = leaf.certificate.der.slice();
    const text = new TextEncoder().encode('alter-me');
    let i = 0;
    while (!text.every((b, k) => der[i + k] === b)) i++;
    der[i] = 'A'.charCodeAt(0);
    expect(await verifyChain(parseCertificate(der), { roots: [root.certificate], now })).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('a leaf whose outer signature algorithm differs from the signed one (malformed)', async () => {
    const leaf = await issueTestLeaf(root);
    const der = leaf.certificate.der.slice();
    const sha256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let last = -1;
    for (let i = 0; i + sha256.length <= der.length; i++) if (sha256.every((b, k) => der[i + k] === b)) last = i;
    der[last + sha256.length - 1] = 0x01; // outer AlgorithmIdentifier -> ecdsa-with-SHA224
    const tampered = parseCertificate(der);
    expect(tampered.signatureAlgorithm).toBe('1.2.840.10045.4.3.1');
    expect(await verifyChain(tampered, { roots: [root.certificate], now })).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('an invalid now (malformed), rather than silently passing validity checks', async () => {
    const leaf = await issueTestLeaf(root);
    expect(await verifyChain(leaf.certificate, { roots: [root.certificate], now: new Date(Number.NaN) })).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('a self-signed CA presented as its own leaf, even when it is a trusted root', async () => {
    expect(await verifyChain(root.certificate, { roots: [root.certificate], now })).toMatchObject({ ok: false });
  });

  it('a chain deeper than maxDepth', async () => {
    const i1 = await createTestCa({ parent: root });
    const i2 = await createTestCa({ parent: i1 });
    const leaf = await issueTestLeaf(i2);
    const opts = { roots: [root.certificate], intermediates: [i1.certificate, i2.certificate], now };
    expect(await verifyChain(leaf.certificate, opts)).toMatchObject({ ok: true });
    expect(await verifyChain(leaf.certificate, { ...opts, maxDepth: 2 })).toMatchObject({ ok: false, reason: 'path-length' });
  });

  it('bounds the path search when a peer presents many same-name, same-key CA certificates', async () => {
    const keys = await generateKeyPair();
    const first = await createCertificate({ subject: commonNameInput('loop CA'), publicKey: keys.publicKey, signer: { privateKey: keys.privateKey }, notBefore: at(-1), notAfter: at(24), ca: {} });
    const clones = [first];
    for (let k = 0; k < 11; k++) {
      clones.push(await createCertificate({ subject: commonNameInput('loop CA'), publicKey: keys.publicKey, signer: { privateKey: keys.privateKey, certificate: first }, notBefore: at(-1), notAfter: at(24), ca: {} }));
    }
    const leaf = await issueTestLeaf({ certificate: first, keys, certPem: first.pem, keyPem: '' });
    const impostorRoot = await createTestCa({ commonName: 'loop CA' });
    let verifies = 0;
    const counting = { getRandomValues: crypto.getRandomValues.bind(crypto), subtle: new Proxy(crypto.subtle, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (prop === 'verify') return (...args: Parameters<SubtleCrypto['verify']>) => ((verifies += 1), target.verify(...args));
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) } as unknown as Crypto;
    const r = await verifyChain(leaf.certificate, { roots: [impostorRoot.certificate], intermediates: clones, now }, counting);
    expect(r.ok).toBe(false);
    expect(verifies).toBeLessThanOrEqual(64); // unbounded, this search makes well over 64 signature checks
    expect(MAX_CANDIDATE_CHECKS).toBe(64);
    expect(verifies).toBeGreaterThan(0);
  });

  it('gives the same answer on repeated calls with the same parsed roots (caches do not leak results)', async () => {
    const good = await issueTestLeaf(root);
    const bad = await issueTestLeaf(await createTestCa({ commonName: 'chain root' }));
    for (let k = 0; k < 3; k++) {
      expect((await verifyChain(good.certificate, { roots: [root.certificate], now })).ok).toBe(true);
      expect((await verifyChain(bad.certificate, { roots: [root.certificate], now })).ok).toBe(false);
    }
  });
});
