import { describe, expect, it } from 'vitest';
import { cpuMillis, rssMiB } from './proc.js';
import { descendants } from './processes.js';

describe('/proc readers', () => {
  it('sees this process burn CPU', () => {
    const before = cpuMillis(process.pid);
    const until = performance.now() + 120;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(cpuMillis(process.pid) - before).toBeGreaterThanOrEqual(50);
  });
  it('reads a plausible resident set size', () => {
    expect(rssMiB(process.pid)).toBeGreaterThan(10);
  });
  it('finds no descendants of a process that has none', () => {
    expect(descendants(2 ** 22 + 7)).toEqual([]);
  });
});
