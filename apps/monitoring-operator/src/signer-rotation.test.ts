import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessSigner, DEFAULT_SIGNER_PROBE, type BundleCa } from './signer-rotation.js';

const t0 = new Date('2026-06-01T00:00:00Z').getTime();
const at = (s: number): Date => new Date(t0 + s * 1000);
const ca = (key: string, notBeforeS: number): BundleCa => ({ key, notBefore: at(notBeforeS) });
const policy = { intervalMs: 60_000, probeWindowMs: 3_600_000 };

describe('assessSigner', () => {
  const old = ca('old', -86_400);
  const fresh = ca('new', -600);

  it('if the bundle holds only the issuer, nothing is rotating', () => {
    expect(assessSigner(old, [old], at(-60), policy)).toEqual({ state: 'current' });
  });

  it('if the bundle gained a newer CA after the certificate was installed, the probe is due one interval after the install', () => {
    expect(assessSigner(old, [old, fresh], at(-30), policy)).toEqual({ state: 'rotating', newer: fresh, probeAt: at(30) });
  });

  it('if the certificate comes from the newest CA, nothing is rotating even though the old CA is still in the bundle', () => {
    expect(assessSigner(fresh, [old, fresh], at(-30), policy)).toEqual({ state: 'current' });
  });

  it('an older CA beside the issuer (a CA on its way out, an unrelated old one) does not count', () => {
    expect(assessSigner(fresh, [ca('older', -90_000), fresh], at(-30), policy)).toEqual({ state: 'current' });
  });

  it('a CA re-issued with the same key as the issuer is the same CA', () => {
    expect(assessSigner(old, [old, ca('old', -10)], at(-30), policy)).toEqual({ state: 'current' });
  });

  it('of several newer CAs, the newest is the one reported', () => {
    const newest = ca('newest', -60);
    expect(assessSigner(old, [fresh, old, newest], at(-30), policy)).toMatchObject({ state: 'rotating', newer: newest });
  });

  it('once the newer CA is older than the probe window, no more probes (the rotation deadline takes over)', () => {
    const stale = ca('stale', -7200);
    expect(assessSigner(old, [old, stale], at(-30), policy)).toEqual({ state: 'rotating', newer: stale, probeAt: undefined });
  });

  it('defaults to one probe every 5 minutes for 7 days', () => {
    expect(DEFAULT_SIGNER_PROBE).toEqual({ intervalMs: 300_000, probeWindowMs: 604_800_000 });
  });

  it('never probes sooner than one interval after the last install, whatever the bundle (no re-issue loop)', () => {
    const caArb = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), notBefore: fc.integer({ min: -100_000, max: 0 }).map(at) });
    fc.assert(
      fc.property(caArb, fc.array(caArb, { maxLength: 5 }), fc.integer({ min: -100_000, max: 0 }), (issuer, others, issuedS) => {
        const r = assessSigner(issuer, [issuer, ...others], at(issuedS), policy);
        if (r.state === 'rotating') {
          expect(r.newer.key).not.toBe(issuer.key);
          expect(r.newer.notBefore.getTime()).toBeGreaterThan(issuer.notBefore.getTime());
          if (r.probeAt) expect(r.probeAt.getTime()).toBe(at(issuedS).getTime() + policy.intervalMs);
        } else {
          for (const o of others) expect(o.key === issuer.key || o.notBefore.getTime() <= issuer.notBefore.getTime()).toBe(true);
        }
      }),
    );
  });
});
