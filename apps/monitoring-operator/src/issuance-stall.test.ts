import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessStall, DEFAULT_ISSUANCE_STALL_SECONDS, stallMessage } from './issuance-stall.js';

const t0 = new Date('2026-06-01T00:00:00Z');
const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
const pending = { csrName: 'certscrape-metrics-client-abc', startedAt: t0 };

describe('assessStall', () => {
  it('if nothing is pending, nothing is stalled', () => {
    expect(assessStall(undefined, at(10_000), 300_000)).toEqual({ state: 'idle' });
  });

  it('if the issuance started less than the threshold ago, it is pending and would stall at start + threshold', () => {
    expect(assessStall(pending, at(299), 300_000)).toEqual({ state: 'pending', csrName: pending.csrName, stallAt: at(300) });
  });

  it('if the issuance started the threshold ago or longer, it is stalled', () => {
    expect(assessStall(pending, at(300), 300_000)).toEqual({ state: 'stalled', csrName: pending.csrName, sinceMs: 300_000 });
    expect(assessStall(pending, at(900), 300_000)).toEqual({ state: 'stalled', csrName: pending.csrName, sinceMs: 900_000 });
  });

  it('the default threshold is 300 s (--issuance-stall-seconds)', () => {
    expect(DEFAULT_ISSUANCE_STALL_SECONDS).toBe(300);
  });

  it('stalled exactly when now - startedAt >= threshold', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 5_000 }), (elapsedS, thresholdS) => {
        expect(assessStall(pending, at(elapsedS), thresholdS * 1000).state).toBe(elapsedS >= thresholdS ? 'stalled' : 'pending');
      }),
    );
  });

  it('the message names the CSR, the wait and the kept certificate, and what to check', () => {
    expect(stallMessage({ state: 'stalled', csrName: pending.csrName, sinceMs: 301_400 }, at(3600))).toBe(
      "CertificateSigningRequest certscrape-metrics-client-abc not issued after 301s; keeping the installed certificate (valid until 2026-06-01T01:00:00.000Z); check the CSR approver and kube-controller-manager's signer",
    );
    expect(stallMessage({ state: 'stalled', csrName: pending.csrName, sinceMs: 1000 }, undefined)).toContain('no valid certificate is installed');
  });
});
