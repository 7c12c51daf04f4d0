import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createShutdown } from './shutdown.js';

describe('createShutdown', () => {
  it('aborts the signal, runs hooks in reverse order once, and exits 0 after a signal', async () => {
    const emitter = new EventEmitter();
    const exits: number[] = [];
    const proc = Object.assign(emitter, { exit: (code?: number) => void exits.push(code ?? 0) }) as never;
    const s = createShutdown({ process: proc });
    const order: string[] = [];
    s.onShutdown('first', () => void order.push('first'));
    s.onShutdown('second', async () => void order.push('second'));
    s.onShutdown('broken', () => {
      throw new Error('x');
    });
    emitter.emit('SIGTERM');
    expect(s.signal.aborted).toBe(true);
    await s.shutdown('again');
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['second', 'first']);
    expect(exits).toEqual([0]);
    emitter.emit('SIGINT');
    expect(exits).toEqual([0, 1]);
    s.dispose();
  });
});
