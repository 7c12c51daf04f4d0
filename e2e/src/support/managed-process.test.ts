import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isE2eError } from './errors.js';
import { ManagedProcess, pidExists } from './managed-process.js';
import { waitFor } from './wait-for.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-proc-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const alive = pidExists;

describe('ManagedProcess', () => {
  it('stops its whole process group, children included', async () => {
    const p = ManagedProcess.start({ name: 'tree', command: 'sh', args: ['-c', 'sleep 30 & echo $! ; wait'], logFile: join(dir, 'tree.log') });
    const child = await waitFor(() => Number(p.tail(1)) || undefined, { what: 'child pid', timeoutMs: 5000, intervalMs: 50 });
    expect(alive(child)).toBe(true);
    await p.stop(2000);
    expect(p.running).toBe(false);
    await waitFor(() => (alive(child) ? undefined : true), { what: 'child gone', timeoutMs: 3000, intervalMs: 50 });
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const p = ManagedProcess.start({ name: 'stubborn', command: 'sh', args: ['-c', 'trap "" TERM; echo ready; while true; do sleep 1; done'], logFile: join(dir, 'stubborn.log') });
    await waitFor(() => (p.tail(1) === 'ready' ? true : undefined), { what: 'ready', timeoutMs: 5000, intervalMs: 50 });
    const t0 = Date.now();
    await p.stop(300);
    expect(p.running).toBe(false);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a dead process fails waitFor at once with E2E_ERR_PROCESS_EXITED and its log tail', async () => {
    const p = ManagedProcess.start({ name: 'crash', command: 'sh', args: ['-c', 'echo boom-reason; exit 3'], logFile: join(dir, 'crash.log') });
    await p.exited;
    const t0 = Date.now();
    const err = await waitFor(
      () => {
        p.assertRunning();
        return undefined;
      },
      { what: 'never', timeoutMs: 10_000 },
    ).catch((e: unknown) => e);
    expect(isE2eError(err, 'E2E_ERR_PROCESS_EXITED')).toBe(true);
    expect((err as Error).message).toContain('boom-reason');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
