import { describe, expect, it } from 'vitest';
import { rotationDeadline } from './rotation.js';

const MIN = 60_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('rotationDeadline', () => {
  it('rotates at 70 % of the issued lifetime when the jitter is lowest', () => {
    expect(rotationDeadline({ notBefore: t0, notAfter: at(100 * MIN) }, () => 0)).toEqual(at(70 * MIN));
  });
  it('rotates at 90 % when the jitter is highest', () => {
    expect(rotationDeadline({ notBefore: t0, notAfter: at(100 * MIN) }, () => 1)).toEqual(at(90 * MIN));
  });
  it('clamps a misbehaving random source into the window', () => {
    expect(rotationDeadline({ notBefore: t0, notAfter: at(100 * MIN) }, () => 7)).toEqual(at(90 * MIN));
    expect(rotationDeadline({ notBefore: t0, notAfter: at(100 * MIN) }, () => -3)).toEqual(at(70 * MIN));
  });
  it('uses the issued lifetime, not the requested one (a 30-day request issued for 1 hour rotates within the hour)', () => {
    const d = rotationDeadline({ notBefore: t0, notAfter: at(60 * MIN) }, () => 0.5);
    expect(d).toEqual(at(48 * MIN));
  });
  it('does not rotate instantly when a backdated short certificate arrives already past 70 %', () => {
    // kube-apiserver-client signer with --cluster-signing-duration=6m: NotBefore is backdated 5 minutes,
    // so the certificate arrives with 1 minute left and "past 70 %" of its lifetime.
    const issuedAt = at(5 * MIN);
    const cert = { notBefore: t0, notAfter: at(6 * MIN) };
    const d = rotationDeadline(cert, () => 0, { issuedAt });
    expect(d.getTime()).toBeGreaterThan(issuedAt.getTime());
    expect(d).toEqual(at(5 * MIN + 0.7 * MIN));
  });
  it('leaves an on-time certificate alone when issuedAt is given at NotBefore', () => {
    const cert = { notBefore: t0, notAfter: at(100 * MIN) };
    expect(rotationDeadline(cert, () => 0, { issuedAt: t0 })).toEqual(at(70 * MIN));
  });
  it('never produces a rotation loop: over many short rotations, each waits at least 70 % of what was left', () => {
    let now = t0.getTime();
    for (let i = 0; i < 50; i++) {
      const cert = { notBefore: new Date(now - 5 * MIN), notAfter: new Date(now + 5 * MIN) }; // 10m duration, backdated 5m
      const d = rotationDeadline(cert, () => i / 50, { issuedAt: new Date(now) });
      expect(d.getTime() - now).toBeGreaterThanOrEqual(0.7 * 5 * MIN);
      expect(d.getTime()).toBeLessThan(cert.notAfter.getTime());
      now = d.getTime();
    }
  });
});
