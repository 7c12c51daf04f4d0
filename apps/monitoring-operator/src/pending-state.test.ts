import { describe, expect, it } from 'vitest';
import { decodePendingState, EMPTY_PENDING_STATE, encodePendingState, PENDING_KEY_DATA, type PendingState } from './pending-state.js';

const keyPem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
const full: PendingState = {
  issuance: { csrName: 'certscrape-metrics-client-bcdfg', keyPem, phase: 'requesting', reason: 'rotation-due', startedAt: new Date('2026-01-01T00:00:00.000Z') },
  failures: 3,
  retryAt: new Date('2026-01-01T00:05:00.000Z'),
};
const asSecret = (s: PendingState) => {
  const { data, annotations } = encodePendingState(s);
  return { data, metadata: { annotations } };
};

describe('pending state', () => {
  it('round-trips a full state through the Secret encoding', () => {
    expect(decodePendingState(asSecret(full))).toEqual({ state: full, problem: undefined });
  });
  it('round-trips the empty state', () => {
    expect(decodePendingState(asSecret(EMPTY_PENDING_STATE))).toEqual({ state: EMPTY_PENDING_STATE, problem: undefined });
  });
  it('if the Secret does not exist, the state is empty', () => {
    expect(decodePendingState(undefined)).toEqual({ state: EMPTY_PENDING_STATE, problem: undefined });
  });
  it('keeps the key in data only, never in an annotation', () => {
    const { data, annotations } = encodePendingState(full);
    expect(Object.keys(data)).toEqual([PENDING_KEY_DATA]);
    expect(JSON.stringify(annotations)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(annotations)).not.toContain(Buffer.from(keyPem).toString('base64').slice(0, 20));
  });
  it('if the key is there but the CSR name is missing, drop the issuance and say so, keeping the backoff', () => {
    const s = asSecret(full);
    delete (s.metadata.annotations as Record<string, string>)['certscrape.io/csr-name'];
    const r = decodePendingState(s);
    expect(r.state).toEqual({ issuance: undefined, failures: 3, retryAt: full.retryAt });
    expect(r.problem).toMatch(/incomplete/);
  });
  it('if the phase is unknown, drop the issuance', () => {
    const s = asSecret(full);
    (s.metadata.annotations as Record<string, string>)['certscrape.io/phase'] = 'bogus';
    expect(decodePendingState(s).state.issuance).toBeUndefined();
  });
  it('if the failure count or retry time is garbage, treat them as zero/none', () => {
    const r = decodePendingState({ metadata: { annotations: { 'certscrape.io/failures': '-2', 'certscrape.io/retry-at': 'tomorrow' } } });
    expect(r.state).toEqual(EMPTY_PENDING_STATE);
  });
  it('the problem text never contains the key', () => {
    const s = asSecret(full);
    (s.metadata.annotations as Record<string, string>)['certscrape.io/reason'] = 'nope';
    expect(decodePendingState(s).problem).not.toContain('PRIVATE');
  });
});
