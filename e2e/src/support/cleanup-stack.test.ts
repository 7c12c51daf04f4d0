import { describe, expect, it } from 'vitest';
import { CleanupStack } from './cleanup-stack.js';

describe('CleanupStack', () => {
  it('undoes newest first, each exactly once, and keeps going past a failure', async () => {
    const order: string[] = [];
    const s = new CleanupStack();
    s.defer('a', () => void order.push('a'));
    s.defer('b', () => {
      order.push('b');
      throw new Error('boom');
    });
    s.defer('c', async () => void order.push('c'));
    expect(await s.run()).toEqual(['b: boom']);
    expect(await s.run()).toEqual([]);
    expect(order).toEqual(['c', 'b', 'a']);
    expect(s.pending).toBe(0);
  });

  it('the emergency path runs only what the normal path has not', async () => {
    const order: string[] = [];
    const s = new CleanupStack();
    s.defer('a', () => void order.push('a'), () => order.push('a!'));
    s.defer('b', () => void order.push('b'), () => order.push('b!'));
    const t = new CleanupStack();
    t.defer('x', () => void order.push('x'), () => order.push('x!'));
    await t.run();
    s.runEmergency();
    t.runEmergency();
    expect(order).toEqual(['x', 'b!', 'a!']);
  });
});
