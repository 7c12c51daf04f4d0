import { describe, expect, it } from 'vitest';
import type { DelegatedClients } from '../delegated-clients.js';
import { rateLimitDelegatedClients } from './rate-limited-clients.js';

function fakeClock() {
  let t = 0;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => {
      waits.push(Math.round(ms));
      t += ms;
      return Promise.resolve();
    },
    advance: (ms: number) => (t += ms),
    waits,
  };
}

// Real clients' shapes, answering at once: the limiter is what is under test.
const clients: DelegatedClients = {
  tokenReviews: { review: () => Promise.resolve({ authenticated: false, error: 'x' }) },
  subjectAccessReviews: { review: () => Promise.resolve({ allowed: true, reason: '' }) },
};

describe('rateLimitDelegatedClients (--kube-api-qps / --kube-api-burst)', () => {
  it('lets a burst through at once, then spaces calls at 1/qps, shared by both APIs', async () => {
    const c = fakeClock();
    const limited = rateLimitDelegatedClients(clients, { qps: 5, burst: 2, now: c.now, sleep: c.sleep });
    await limited.tokenReviews.review('t', []);
    await limited.subjectAccessReviews.review({ user: 'u', groups: [], verb: 'get', path: '/metrics' });
    expect(c.waits).toEqual([]);
    await limited.tokenReviews.review('t', []);
    await limited.tokenReviews.review('t', []);
    expect(c.waits).toEqual([200, 200]);
  });

  it('refills over time up to the burst', async () => {
    const c = fakeClock();
    const limited = rateLimitDelegatedClients(clients, { qps: 10, burst: 3, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 3; i++) await limited.tokenReviews.review('t', []);
    c.advance(10_000);
    for (let i = 0; i < 3; i++) await limited.tokenReviews.review('t', []);
    expect(c.waits).toEqual([]);
    await limited.tokenReviews.review('t', []);
    expect(c.waits).toEqual([100]);
  });

  it('a negative qps means no limit (the same clients)', () => {
    expect(rateLimitDelegatedClients(clients, { qps: -1, burst: 0 })).toBe(clients);
  });
});
