import { describe, expect, it } from 'vitest';
import { PollLoop } from './poll-loop.js';

describe('PollLoop', () => {
  it('joins a check that is already running instead of starting a second poll', async () => {
    let calls = 0;
    let release!: () => void;
    const loop = new PollLoop(() => {
      calls++;
      return new Promise<number>((r) => (release = () => r(calls)));
    }, 10_000);
    const a = loop.check();
    const b = loop.check();
    release();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    expect(calls).toBe(1);
  });

  it('repeats while started and stops polling after stop()', async () => {
    let calls = 0;
    const loop = new PollLoop(async () => void calls++, 5);
    loop.start();
    await new Promise((r) => setTimeout(r, 80));
    await loop.stop();
    const seen = calls;
    expect(seen).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toBe(seen);
  });
});
