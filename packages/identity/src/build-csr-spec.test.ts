import { generateKeyPair, type KeyPair, type KeySpec } from '@certscrape/pkcs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCsrSpec } from './build-csr-spec.js';
import { createCsrPolicy, type CsrPolicy } from './csr-policy.js';
import type { CsrView } from './csr-view.js';
import { evaluateCsr } from './evaluate-csr.js';

const keySpecs: KeySpec[] = [
  { kind: 'ecdsa', curve: 'P-256' },
  { kind: 'ecdsa', curve: 'P-384' },
];
const keyCache = new Map<string, Promise<KeyPair>>();
const keysFor = (spec: KeySpec) => {
  const k = JSON.stringify(spec);
  if (!keyCache.has(k)) keyCache.set(k, generateKeyPair(spec));
  return keyCache.get(k)!;
};

const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
const nameChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789:-._@'.split(''));
const name = fc.array(nameChar, { minLength: 1, maxLength: 30 }).map((a) => a.join(''));
const policyArb = fc
  .record({
    username: name,
    groups: fc.uniqueArray(name.filter((g) => g !== 'system:masters'), { maxLength: 3 }),
    ns: label,
    sa: label,
    max: fc.integer({ min: 600, max: 10 * 365 * 86400 }),
  })
  .filter((r) => r.username !== `system:serviceaccount:${r.ns}:${r.sa}`)
  .map((r) => createCsrPolicy({ scraperIdentity: { username: r.username, groups: r.groups }, operatorServiceAccount: { namespace: r.ns, name: r.sa }, maxExpirationSeconds: r.max }));

async function legitimateView(policy: CsrPolicy, keys: KeyPair): Promise<CsrView> {
  const spec = await buildCsrSpec(policy, keys);
  return {
    name: 'x',
    signerName: spec.signerName,
    username: policy.requester.username,
    groups: policy.requester.groups,
    usages: spec.usages,
    expirationSeconds: spec.expirationSeconds,
    request: spec.request,
    conditions: [],
  };
}

/** One single-rule mutation of a legitimate CSR object; each must be denied. */
const mutations: [string, (v: CsrView, p: CsrPolicy) => CsrView][] = [
  ['requester username changed', (v) => ({ ...v, username: `${v.username}x` })],
  ['requester group added', (v) => ({ ...v, groups: [...(v.groups ?? []), 'extra'] })],
  ['requester group removed', (v) => ({ ...v, groups: (v.groups ?? []).slice(1) })],
  ['usage server auth added', (v) => ({ ...v, usages: [...(v.usages ?? []), 'server auth'] })],
  ['usage client auth removed', (v) => ({ ...v, usages: (v.usages ?? []).filter((u) => u !== 'client auth') })],
  ['expiration below 600', (v) => ({ ...v, expirationSeconds: 599 })],
  ['expiration above the maximum', (v, p) => ({ ...v, expirationSeconds: p.expirationSeconds.max + 1 })],
];

describe('buildCsrSpec', () => {
  it('every CSR it builds is approved by evaluateCsr for the same policy, and every single-rule mutation is denied', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb, fc.constantFrom(...keySpecs), async (policy, spec) => {
        const v = await legitimateView(policy, await keysFor(spec));
        expect(await evaluateCsr(v, policy)).toEqual({ result: 'approve' });
        for (const [what, mutate] of mutations) {
          const d = await evaluateCsr(mutate(v, policy), policy);
          expect(d.result, what).toBe('deny');
        }
      }),
      { numRuns: 40 },
    );
  });

  it('RSA keys also request key encipherment, and are approved', async () => {
    const policy = createCsrPolicy();
    const keys = await generateKeyPair({ kind: 'rsa', bits: 2048 });
    const spec = await buildCsrSpec(policy, keys);
    expect(spec.usages).toEqual(['digital signature', 'key encipherment', 'client auth']);
    expect(await evaluateCsr(await legitimateView(policy, keys), policy)).toEqual({ result: 'approve' });
  });

  it('requests 30 days by default, clamped to the policy maximum', async () => {
    const keys = await keysFor(keySpecs[0]!);
    expect((await buildCsrSpec(createCsrPolicy(), keys)).expirationSeconds).toBe(2592000);
    expect((await buildCsrSpec(createCsrPolicy({ maxExpirationSeconds: 3600 }), keys)).expirationSeconds).toBe(3600);
  });

  it('refuses a requested lifetime outside the policy with a coded error', async () => {
    const keys = await keysFor(keySpecs[0]!);
    await expect(buildCsrSpec(createCsrPolicy(), keys, { expirationSeconds: 10 })).rejects.toMatchObject({ code: 'IDENTITY_ERR_INVALID_EXPIRATION' });
  });

  it('never puts the private key into the request', async () => {
    const keys = await keysFor(keySpecs[0]!);
    const spec = await buildCsrSpec(createCsrPolicy(), keys);
    expect(spec.request).not.toMatch(/PRIVATE KEY/);
  });
});
