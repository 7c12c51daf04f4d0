import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { LeaderElector } from './leader-election.js';
import type { LeaseLock, LeaseRecord } from './leader-election.js';
import { isKubeRuntimeError } from './errors.js';

/**
 * An in-memory lease with resourceVersion semantics, the storage contract the elector relies on.
 * (The real Lease is exercised by the csr-approver integration tests.)
 */
class MemoryLease {
  record: LeaseRecord | undefined;
  version = 0;
  down = false;
  writes: string[] = [];
  lock(): LeaseLock {
    const conflict = () => Object.assign(new Error('conflict'), { code: 409 });
    return {
      describe: () => 'test/lease',
      get: async () => {
        if (this.down) throw new Error('ECONNREFUSED');
        return this.record ? { record: this.record, version: String(this.version) } : undefined;
      },
      create: async (r) => {
        if (this.down) throw new Error('ECONNREFUSED');
        if (this.record) throw conflict();
        this.record = r;
        this.version++;
        this.writes.push(`create:${r.holderIdentity}`);
      },
      update: async (r, v) => {
        if (this.down) throw new Error('ECONNREFUSED');
        if (v !== String(this.version)) throw conflict();
        this.record = r;
        this.version++;
        this.writes.push(`update:${r.holderIdentity}`);
      },
    };
  }
}

function candidate(lease: MemoryLease, clock: ManualClock, identity: string, log: string[]) {
  return new LeaderElector({
    lock: lease.lock(),
    identity,
    clock,
    random: () => 0,
    onStartedLeading: () => void log.push(`${identity}:start`),
    onStoppedLeading: () => void log.push(`${identity}:stop`),
  });
}

describe('LeaderElector', () => {
  it('rejects durations that are not leaseDuration > renewDeadline > retryPeriod', () => {
    expect(() => new LeaderElector({ lock: new MemoryLease().lock(), identity: 'a', leaseDurationMs: 5000, renewDeadlineMs: 10_000, onStartedLeading: () => {} })).toThrow(
      expect.objectContaining({ code: 'KUBE_RUNTIME_ERR_LEASE' }),
    );
  });

  it('creates the lease when none exists and leads; a second candidate waits', async () => {
    const clock = new ManualClock(1_000_000);
    const lease = new MemoryLease();
    const log: string[] = [];
    const a = candidate(lease, clock, 'a', log);
    const b = candidate(lease, clock, 'b', log);
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run(stopA.signal);
    await clock.advance(0);
    const runB = b.run(stopB.signal);
    await clock.advance(30_000);
    expect(log).toEqual(['a:start']);
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(b.leader()).toBe('a');
    expect(lease.record).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    stopB.abort();
    await runB;
    stopA.abort();
    await runA;
  });

  it('releases on cancel so the next candidate takes over without waiting for expiry', async () => {
    const clock = new ManualClock(1_000_000);
    const lease = new MemoryLease();
    const log: string[] = [];
    const a = candidate(lease, clock, 'a', log);
    const b = candidate(lease, clock, 'b', log);
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run(stopA.signal);
    await clock.advance(0);
    const runB = b.run(stopB.signal);
    await clock.advance(5_000);
    stopA.abort();
    await runA;
    expect(lease.record?.holderIdentity).toBe('');
    await clock.advance(2_000);
    expect(log).toEqual(['a:start', 'a:stop', 'b:start']);
    expect(lease.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    stopB.abort();
    await runB;
  });

  it('takes over a lease whose holder stopped renewing, after leaseDuration of local time', async () => {
    const clock = new ManualClock(1_000_000);
    const lease = new MemoryLease();
    lease.record = { holderIdentity: 'dead', leaseDurationSeconds: 15, acquireTime: 0, renewTime: 0, leaseTransitions: 3 };
    lease.version = 7;
    const log: string[] = [];
    const b = candidate(lease, clock, 'b', log);
    const stop = new AbortController();
    const run = b.run(stop.signal);
    await clock.advance(14_000);
    expect(log).toEqual([]);
    await clock.advance(2_100);
    expect(log).toEqual(['b:start']);
    expect(lease.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 4 });
    stop.abort();
    await run;
  });

  it('steps down when it cannot renew within the renew deadline, then campaigns again', async () => {
    const clock = new ManualClock(1_000_000);
    const lease = new MemoryLease();
    const log: string[] = [];
    const a = candidate(lease, clock, 'a', log);
    const stop = new AbortController();
    const run = a.run(stop.signal);
    await clock.advance(4_000);
    lease.down = true;
    await clock.advance(9_000);
    expect(a.isLeader()).toBe(true);
    await clock.advance(2_000);
    expect(a.isLeader()).toBe(false);
    expect(log).toEqual(['a:start', 'a:stop']);
    lease.down = false;
    await clock.advance(3_000);
    expect(log).toEqual(['a:start', 'a:stop', 'a:start']);
    stop.abort();
    await run;
  });

  it('gives leadership to exactly one of two candidates racing for a fresh lease', async () => {
    const clock = new ManualClock(1_000_000);
    const lease = new MemoryLease();
    const log: string[] = [];
    const stop = new AbortController();
    const runs = ['a', 'b'].map((id) => candidate(lease, clock, id, log).run(stop.signal));
    await clock.advance(20_000);
    expect(log.filter((l) => l.endsWith(':start'))).toHaveLength(1);
    stop.abort();
    await Promise.all(runs);
    expect(isKubeRuntimeError(new Error('x'))).toBe(false);
  });
});
