import { describe, expect, it } from 'vitest';
import { cpuMillis, rssAnonMiB, rssMiB } from './proc.js';
import { descendants } from './processes.js';

describe('/proc readers', () => {
  it('sees this process burn CPU: its /proc reading agrees with process.cpuUsage()', () => {
    // Burn until the process has used BURN_MS of CPU by its own account (process.cpuUsage), however
    // long that takes on a loaded machine, then compare /proc's count over the same span. Both count
    // every thread of the process; /proc counts in 10 ms ticks, so each reading is off by < 10 ms.
    const BURN_MS = 100;
    const TICKS_MS = 25;
    const usedMs = (since: NodeJS.CpuUsage) => {
      const d = process.cpuUsage(since);
      return (d.user + d.system) / 1000;
    };
    const proc0 = cpuMillis(process.pid);
    const start = process.cpuUsage();
    let x = 0;
    while (usedMs(start) < BURN_MS) for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + 1);
    const burned = usedMs(start);
    const procDelta = cpuMillis(process.pid) - proc0;
    const spanned = usedMs(start);
    expect(x).toBeGreaterThan(0);
    expect(procDelta).toBeGreaterThanOrEqual(burned - TICKS_MS);
    expect(procDelta).toBeLessThanOrEqual(spanned + TICKS_MS);
  });
  it('reads a plausible resident set size', () => {
    expect(rssMiB(process.pid)).toBeGreaterThan(10);
  });
  it('reads the anonymous part of the resident set: grows with touched heap memory, and stays below the whole', () => {
    const before = rssAnonMiB(process.pid);
    const held = Buffer.alloc(64 * 1024 * 1024, 1);
    const after = rssAnonMiB(process.pid);
    expect(held[held.length - 1]).toBe(1);
    expect(after - before).toBeGreaterThan(32);
    expect(after).toBeLessThan(rssMiB(process.pid));
  });
  it('finds no descendants of a process that has none', () => {
    expect(descendants(2 ** 22 + 7)).toEqual([]);
  });
});
