import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { plan, type Action, type CsrObservation, type InstalledPair, type Observed, type PendingView } from './plan.js';
import type { SignerAssessment } from './signer-rotation.js';

const now = new Date('2026-01-01T12:00:00Z');
const at = (offsetSeconds: number): Date => new Date(now.getTime() + offsetSeconds * 1000);

const valid = (rotateInSeconds: number, spki = 'aa', signer: SignerAssessment = { state: 'current' }): InstalledPair => ({
  state: 'valid', notBefore: at(-3600), notAfter: at(3600), rotateAt: at(rotateInSeconds), spki, signer,
});
const rotating = (probeInSeconds: number | undefined): SignerAssessment => ({ state: 'rotating', newer: { key: 'new-ca', notBefore: at(-600) }, probeAt: probeInSeconds === undefined ? undefined : at(probeInSeconds) });
const pending = (phase: PendingView['phase'] = 'requested', spki = 'bb'): PendingView => ({ csrName: 'certscrape-metrics-client-abc', spki, phase });
const obs = (partial: Partial<Observed>): Observed => ({ installed: { state: 'missing' }, pending: undefined, csr: undefined, retryAt: undefined, now, ...partial });

const cases: ReadonlyArray<readonly [string, Observed, Action]> = [
  ['if there is no Secret and nothing pending, begin an issuance', obs({}), { type: 'begin', reason: 'missing' }],
  ['if the Secret is tampered and nothing pending, begin an issuance', obs({ installed: { state: 'unusable', problems: ['key-mismatch'] } }), { type: 'begin', reason: 'unusable' }],
  ['if the pair is valid and the deadline is ahead, idle until the deadline', obs({ installed: valid(60) }), { type: 'idle', until: at(60) }],
  ['if the rotation deadline has passed, begin a rotation', obs({ installed: valid(-1) }), { type: 'begin', reason: 'rotation-due' }],
  ['if the rotation deadline is exactly now, begin a rotation', obs({ installed: valid(0) }), { type: 'begin', reason: 'rotation-due' }],
  ['if the pair is valid, a pending retry time does not matter', obs({ installed: valid(60), retryAt: at(30) }), { type: 'idle', until: at(60) }],
  ['if the Secret is missing but the last attempt failed, back off', obs({ retryAt: at(5) }), { type: 'backoff', until: at(5), reason: 'missing' }],
  ['if the rotation is due but the last attempt failed, back off', obs({ installed: valid(-1), retryAt: at(5) }), { type: 'backoff', until: at(5), reason: 'rotation-due' }],
  ['if the backoff has elapsed, begin again', obs({ retryAt: at(0) }), { type: 'begin', reason: 'missing' }],
  ['if the pending CSR was never confirmed created and is absent, create it', obs({ pending: pending('requesting'), csr: { state: 'absent' } }), { type: 'create-csr', csrName: 'certscrape-metrics-client-abc' }],
  ['if the pending CSR was created and has vanished, abandon it as vanished', obs({ pending: pending('requested'), csr: { state: 'absent' } }),
    { type: 'abandon', csrName: 'certscrape-metrics-client-abc', outcome: 'vanished', message: 'CertificateSigningRequest certscrape-metrics-client-abc disappeared before it was used' }],
  ['if the pending CSR is waiting for approval, await it', obs({ pending: pending(), csr: { state: 'waiting', approved: false } }), { type: 'await', csrName: 'certscrape-metrics-client-abc', approved: false }],
  ['if the pending CSR exists but the state still says "requesting" (just created, or a restart), record it as requested', obs({ pending: pending('requesting'), csr: { state: 'waiting', approved: true } }), { type: 'record-requested', csrName: 'certscrape-metrics-client-abc' }],
  ['if the pending CSR is issued while the state still says "requesting", record it as requested first', obs({ pending: pending('requesting'), csr: { state: 'issued', problems: [] } }), { type: 'record-requested', csrName: 'certscrape-metrics-client-abc' }],
  ['if a CSR with the pending name is not ours while "requesting", abandon it as incompatible', obs({ pending: pending('requesting'), csr: { state: 'incompatible', message: 'other key' } }),
    { type: 'abandon', csrName: 'certscrape-metrics-client-abc', outcome: 'incompatible', message: 'other key' }],
  ['if the pending CSR is denied, abandon it with the approver message', obs({ pending: pending(), csr: { state: 'denied', message: 'subject is not the scraper' } }),
    { type: 'abandon', csrName: 'certscrape-metrics-client-abc', outcome: 'denied', message: 'subject is not the scraper' }],
  ['if the pending CSR failed, abandon it with the signer message', obs({ pending: pending(), csr: { state: 'failed', message: 'usage not allowed' } }),
    { type: 'abandon', csrName: 'certscrape-metrics-client-abc', outcome: 'failed', message: 'usage not allowed' }],
  ['if a CSR with the pending name requests another key, abandon it as incompatible', obs({ pending: pending(), csr: { state: 'incompatible', message: 'other key' } }),
    { type: 'abandon', csrName: 'certscrape-metrics-client-abc', outcome: 'incompatible', message: 'other key' }],
  ['if the pending CSR is issued and the certificate checks out, install it', obs({ pending: pending(), csr: { state: 'issued', problems: [] } }), { type: 'install', csrName: 'certscrape-metrics-client-abc' }],
  ['if the issued certificate fails a check, abandon it as rejected', obs({ pending: pending(), csr: { state: 'issued', problems: ['subject', 'eku'] } }),
    { type: 'abandon', csrName: 'certscrape-metrics-client-abc', outcome: 'rejected', message: 'issued certificate rejected: subject, eku' }],
  ['if the pending key is installed and its CSR is gone, finish (forget the pending state)', obs({ installed: valid(60, 'bb'), pending: pending('requested', 'bb'), csr: { state: 'absent' } }), { type: 'finish', csrName: 'certscrape-metrics-client-abc' }],
  ['if the pending key is installed and its CSR still exists, clean up the CSR', obs({ installed: valid(60, 'bb'), pending: pending('requested', 'bb'), csr: { state: 'issued', problems: [] } }), { type: 'cleanup', csrName: 'certscrape-metrics-client-abc' }],
  ['if a rotation is pending while the old pair is valid, keep awaiting (old pair stays)', obs({ installed: valid(-10, 'aa'), pending: pending(), csr: { state: 'waiting', approved: false } }), { type: 'await', csrName: 'certscrape-metrics-client-abc', approved: false }],
  ['if a pending issuance exists, backoff does not stop it from completing', obs({ pending: pending(), csr: { state: 'issued', problems: [] }, retryAt: at(100) }), { type: 'install', csrName: 'certscrape-metrics-client-abc' }],
  ['if the Secret was deleted while a CSR is pending, keep the pending CSR', obs({ installed: { state: 'missing' }, pending: pending(), csr: { state: 'waiting', approved: true } }), { type: 'await', csrName: 'certscrape-metrics-client-abc', approved: true }],
  ['if the bundle holds a newer CA and the signer probe is due, re-issue as signer-rotated', obs({ installed: valid(600, 'aa', rotating(0)) }), { type: 'begin', reason: 'signer-rotated' }],
  ['if the bundle holds a newer CA and the probe is ahead, idle until the probe (before the deadline)', obs({ installed: valid(600, 'aa', rotating(30)) }), { type: 'idle', until: at(30) }],
  ['if the probe would come after the rotation deadline, idle until the deadline', obs({ installed: valid(60, 'aa', rotating(300)) }), { type: 'idle', until: at(60) }],
  ['if the probe window of the newer CA is over, idle until the deadline (no probes)', obs({ installed: valid(600, 'aa', rotating(undefined)) }), { type: 'idle', until: at(600) }],
  ['if the rotation deadline and the signer probe are both due, the reason is rotation-due', obs({ installed: valid(-1, 'aa', rotating(-1)) }), { type: 'begin', reason: 'rotation-due' }],
  ['if a signer probe is due but the last attempt failed, back off', obs({ installed: valid(600, 'aa', rotating(-1)), retryAt: at(5) }), { type: 'backoff', until: at(5), reason: 'signer-rotated' }],
  ['if pending exists but no CSR observation is given, treat the CSR as absent', obs({ pending: pending('requesting') }), { type: 'create-csr', csrName: 'certscrape-metrics-client-abc' }],
];

describe('plan', () => {
  it.each(cases)('%s', (_sentence, observed, expected) => {
    expect(plan(observed)).toEqual(expected);
  });

  it('never starts a signer-rotated issuance before the probe time, and an idle pair is always looked at again no later than its deadline or the probe', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3600, max: 3600 }), fc.option(fc.integer({ min: -3600, max: 3600 }), { nil: undefined }), (rotateIn, probeIn) => {
        const a = plan(obs({ installed: valid(rotateIn, 'aa', rotating(probeIn)) }));
        if (a.type === 'begin' && a.reason === 'signer-rotated') expect(probeIn !== undefined && probeIn <= 0 && rotateIn > 0).toBe(true);
        if (a.type === 'idle') {
          expect(a.until.getTime()).toBeGreaterThan(now.getTime());
          expect(a.until.getTime()).toBeLessThanOrEqual(at(rotateIn).getTime());
          if (probeIn !== undefined) expect(a.until.getTime()).toBeLessThanOrEqual(at(Math.max(probeIn, rotateIn)).getTime());
        }
        // A pair that is neither due nor probed is idle, never re-issued.
        if (rotateIn > 0 && (probeIn === undefined || probeIn > 0)) expect(a.type).toBe('idle');
      }),
    );
  });

  it('is deterministic: the same observation always gives the same action', () => {
    const o = obs({ installed: valid(-1), pending: pending(), csr: { state: 'denied', message: 'no' } satisfies CsrObservation });
    expect(plan(o)).toEqual(plan(o));
  });
});
