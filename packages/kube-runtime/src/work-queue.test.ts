import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key being processed to a second worker, and re-queues it after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(k!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('retries a failing key with growing backoff and forgets it after success', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, random: () => 0.5, backoff: { initialMs: 100, jitter: 0 } });
    let calls = 0;
    const errors: number[] = [];
    const running = q.run(
      1,
      async () => {
        calls++;
        if (calls < 3) throw new Error('transient');
      },
      (_k, _e, delay) => errors.push(delay),
    );
    q.add('x');
    await clock.advance(0);
    expect(calls).toBe(1);
    await clock.advance(100);
    expect(calls).toBe(2);
    await clock.advance(199);
    expect(calls).toBe(2);
    await clock.advance(1);
    expect(calls).toBe(3);
    expect(errors).toEqual([100, 200]);
    expect(q.retries('x')).toBe(0);
    q.shutDown();
    await running;
  });

  it('shutDown releases waiting workers', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.shutDown();
    expect(await pending).toBeUndefined();
  });
});
