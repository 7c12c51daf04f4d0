import { beforeAll, describe, expect, it } from 'vitest';
import { exportSpki, generateKeyPair } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf, type TestCa } from '@certscrape/pkcs/testing';
import { DEFAULT_SCRAPER_USERNAME, MIN_REMAINING_SECONDS, rotationDeadline, scraperIdentity } from '@certscrape/identity';
import { assessInstalledPair, ISSUED_AT_ANNOTATION, rotateAtFor, serialJitter, toHex, type TlsSecretView } from './installed-pair.js';

const identity = scraperIdentity(DEFAULT_SCRAPER_USERNAME);
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const MIN = 60_000;
let ca: TestCa;

beforeAll(async () => {
  ca = await createTestCa();
});

async function pairSecret(options: Parameters<typeof issueTestLeaf>[1] = {}, annotations: Record<string, string> = {}): Promise<{ secret: TlsSecretView; spki: string; keyPem: string; certPem: string }> {
  const leaf = await issueTestLeaf(ca, { commonName: DEFAULT_SCRAPER_USERNAME, ...options });
  return { secret: { data: { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem) }, metadata: { annotations } }, spki: toHex(await exportSpki(leaf.keys)), keyPem: leaf.keyPem, certPem: leaf.certPem };
}
const assess = (secret: TlsSecretView | undefined, now = new Date()) => assessInstalledPair(secret, { identity, roots: [ca.certificate], now });

describe('assessInstalledPair', () => {
  it('if the Secret does not exist, it is missing', async () => {
    expect(await assess(undefined)).toEqual({ state: 'missing' });
  });
  it('if the Secret is empty, both halves are missing', async () => {
    expect(await assess({ data: {} })).toEqual({ state: 'unusable', problems: ['missing-cert', 'missing-key'] });
  });
  it('if the key was replaced by another key, the pair is unusable (key-mismatch)', async () => {
    const { secret } = await pairSecret();
    const other = await issueTestLeaf(ca, { commonName: DEFAULT_SCRAPER_USERNAME });
    const tampered = { data: { ...secret.data, 'tls.key': b64(other.keyPem) } };
    expect(await assess(tampered)).toEqual({ state: 'unusable', problems: ['key-mismatch'] });
  });
  it('if the certificate is for another subject, the pair is unusable (subject)', async () => {
    const { secret } = await pairSecret({ commonName: 'system:serviceaccount:kube-system:admin' });
    expect(await assess(secret)).toEqual({ state: 'unusable', problems: ['subject'] });
  });
  it('if the key is garbage, the pair is unusable (malformed-key) and nothing is echoed', async () => {
    const { secret } = await pairSecret();
    const r = await assess({ data: { ...secret.data, 'tls.key': b64('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n') } });
    expect(r).toEqual({ state: 'unusable', problems: ['malformed-key'] });
  });
  it('if the pair is good, it is valid with its window, SPKI and a deadline inside 70-90 % of the lifetime', async () => {
    const notBefore = new Date(Date.now() - 10 * MIN);
    const notAfter = new Date(Date.now() + 90 * MIN);
    const { secret, spki } = await pairSecret({ notBefore, notAfter });
    const r = await assess(secret);
    expect(r.state).toBe('valid');
    if (r.state !== 'valid') return;
    expect(r.spki).toBe(spki);
    expect(r.notAfter.getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    const life = r.notAfter.getTime() - r.notBefore.getTime();
    expect(r.rotateAt.getTime()).toBeGreaterThanOrEqual(r.notBefore.getTime() + 0.7 * life - 1);
    expect(r.rotateAt.getTime()).toBeLessThanOrEqual(r.notBefore.getTime() + 0.9 * life + 1);
  });
  it('if the pair is good, the deadline is the same on every call (jitter from the serial)', async () => {
    const { secret } = await pairSecret();
    const a = await assess(secret);
    const b = await assess(secret);
    expect(a.state === 'valid' && b.state === 'valid' && a.rotateAt.getTime() === b.rotateAt.getTime()).toBe(true);
  });
  it('if a short certificate arrived backdated, the issued-at annotation floors the deadline after now', async () => {
    // Like the 1.20 signer with a 7 min duration: NotBefore 5 min ago, 2 min left.
    const now = new Date();
    const { secret } = await pairSecret({ notBefore: new Date(now.getTime() - 5 * MIN), notAfter: new Date(now.getTime() + 2 * MIN) }, { [ISSUED_AT_ANNOTATION]: now.toISOString() });
    const r = await assess(secret, now);
    expect(r.state).toBe('valid');
    // Without the floor the deadline would be at most NotBefore + 90 % of 7 min = now + 78 s, before
    // it; the floor (now + 70-90 % of the 2 min left = now + 84-108 s) is past the last usable moment,
    // NotAfter - 60 s = now + 60 s, where the deadline is capped.
    if (r.state === 'valid') expect(r.rotateAt.getTime()).toBe(r.notAfter.getTime() - MIN_REMAINING_SECONDS * 1000);
  });
  it('the deadline is never later than MIN_REMAINING_SECONDS before NotAfter, otherwise the jittered, floored one (a table of short, backdated windows)', async () => {
    const keys = await generateKeyPair();
    const now = Date.now();
    // Lifetimes from 2 to 60 minutes, backdated 0-5 minutes, installed at NotBefore or now.
    for (const [lifeMin, backdateMin, installedNow] of [[2, 0, false], [7, 5, true], [7, 5, false], [10, 5, true], [30, 1, true], [60, 5, true], [3, 2, true]] as const) {
      const notBefore = new Date(now - backdateMin * MIN);
      const leaf = await issueTestLeaf(ca, { keys, notBefore, notAfter: new Date(notBefore.getTime() + lifeMin * MIN) });
      const issuedAt = installedNow ? new Date(now) : undefined;
      const at = rotateAtFor(leaf.certificate, issuedAt).getTime();
      const lastUsable = leaf.certificate.notAfter.getTime() - MIN_REMAINING_SECONDS * 1000;
      const uncapped = rotationDeadline(leaf.certificate, () => serialJitter(leaf.certificate.serialNumber), issuedAt ? { issuedAt } : {}).getTime();
      expect(at, `${lifeMin} min, backdated ${backdateMin}`).toBe(Math.min(uncapped, lastUsable));
    }
  });
  it('if less than a minute is left, the pair is valid but due for rotation now', async () => {
    const now = new Date();
    const { secret } = await pairSecret({ notBefore: new Date(now.getTime() - 60 * MIN), notAfter: new Date(now.getTime() + 30_000) });
    const r = await assess(secret, now);
    expect(r.state === 'valid' && r.rotateAt.getTime()).toBe(now.getTime());
  });
  it('if the certificate does not chain to the client CA, the pair is unusable (untrusted)', async () => {
    const foreign = await createTestCa();
    const leaf = await issueTestLeaf(foreign, { commonName: DEFAULT_SCRAPER_USERNAME });
    expect(await assess({ data: { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem) } })).toEqual({ state: 'unusable', problems: ['untrusted'] });
  });
});

describe('serialJitter / rotateAtFor', () => {
  it('maps a serial to [0, 1) deterministically', () => {
    expect(serialJitter('00')).toBe(0);
    expect(serialJitter('ffffffff')).toBeLessThan(1);
    expect(serialJitter('0a:bc:de:f0:12')).toBe(serialJitter('0abcdef012'));
  });
  it('uses issuedAt only as a floor', async () => {
    const keys = await generateKeyPair();
    const leaf = await issueTestLeaf(ca, { keys, notBefore: new Date(Date.now() - 60 * MIN), notAfter: new Date(Date.now() + 60 * MIN) });
    const early = rotateAtFor(leaf.certificate, new Date(Date.now() - 59 * MIN));
    const without = rotateAtFor(leaf.certificate, undefined);
    expect(early.getTime()).toBeGreaterThanOrEqual(without.getTime());
  });
});

describe('assessInstalledPair during a signer CA rotation', () => {
  const now = new Date();
  let oldCa: TestCa;
  let newCa: TestCa;
  beforeAll(async () => {
    oldCa = await createTestCa({ commonName: 'signer-1', notBefore: new Date(now.getTime() - 86_400_000) });
    newCa = await createTestCa({ commonName: 'signer-2', notBefore: new Date(now.getTime() - 600_000) });
  });
  const secretFrom = async (issuer: TestCa, issuedAt: Date): Promise<TlsSecretView> => {
    const leaf = await issueTestLeaf(issuer, { commonName: DEFAULT_SCRAPER_USERNAME, notBefore: new Date(now.getTime() - 10 * MIN), notAfter: new Date(now.getTime() + 60 * MIN) });
    return { data: { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem) }, metadata: { annotations: { [ISSUED_AT_ANNOTATION]: issuedAt.toISOString() } } };
  };
  const probe = { intervalMs: 60_000, probeWindowMs: 86_400_000 };

  it('if the bundle holds only the issuing CA, the signer is current', async () => {
    const r = await assessInstalledPair(await secretFrom(oldCa, now), { identity, roots: [oldCa.certificate], now, signerProbe: probe });
    expect(r.state === 'valid' && r.signer).toEqual({ state: 'current' });
  });
  it('if the bundle gained a newer CA, the signer is rotating and the probe is due one interval after the install', async () => {
    const issuedAt = new Date(now.getTime() - 5 * MIN);
    const r = await assessInstalledPair(await secretFrom(oldCa, issuedAt), { identity, roots: [oldCa.certificate, newCa.certificate], now, signerProbe: probe });
    expect(r.state).toBe('valid');
    if (r.state !== 'valid') return;
    expect(r.signer).toEqual({ state: 'rotating', newer: { key: toHex(newCa.certificate.spki), notBefore: newCa.certificate.notBefore }, probeAt: new Date(issuedAt.getTime() + 60_000) });
  });
  it('if the certificate comes from the newer CA while the old one is still in the bundle, the signer is current', async () => {
    const r = await assessInstalledPair(await secretFrom(newCa, now), { identity, roots: [oldCa.certificate, newCa.certificate], now, signerProbe: probe });
    expect(r.state === 'valid' && r.signer).toEqual({ state: 'current' });
  });
  it('if the old CA left the bundle before the certificate was replaced, the pair is unusable (untrusted): re-issued at once', async () => {
    const r = await assessInstalledPair(await secretFrom(oldCa, now), { identity, roots: [newCa.certificate], now, signerProbe: probe });
    expect(r).toEqual({ state: 'unusable', problems: ['untrusted'] });
  });
});

