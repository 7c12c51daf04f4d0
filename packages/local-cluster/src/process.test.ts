import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRunning, logTail, procStat, startDetached, stopProcess, type ProcessRecord } from './process.js';

describe('detached processes', () => {
  let dir: string;
  const started: ProcessRecord[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lc-proc-'));
  });
  afterEach(async () => {
    for (const r of started.splice(0)) await stopProcess(r, 1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a process in its own group with output in the log, and stops it by pid', async () => {
    const rec = startDetached({ command: 'sh', args: ['-c', 'echo hello-from-child; exec sleep 30'] }, join(dir, 'a.log'));
    started.push(rec);
    expect(isRunning(rec)).toBe(true);
    const deadline = Date.now() + 5000;
    while (!readFileSync(rec.log, 'utf8').includes('hello-from-child') && Date.now() < deadline) await sleep(20);
    expect(logTail(rec.log)).toContain('hello-from-child');
    await stopProcess(rec);
    expect(isRunning(rec)).toBe(false);
    // Dead at once; the pid disappears as soon as Node reaps its child (a zombie until then).
    const reaped = Date.now() + 3000;
    while (procStat(rec.pid) && Date.now() < reaped) await sleep(20);
    expect(procStat(rec.pid)).toBeUndefined();
  });

  it('stops the whole process group, children included', async () => {
    const pidFile = join(dir, 'child.pid');
    const rec = startDetached({ command: 'sh', args: ['-c', `sleep 30 & echo $! > ${pidFile}; wait`] }, join(dir, 'b.log'));
    started.push(rec);
    const deadline = Date.now() + 5000;
    let childPid = 0;
    while (!childPid && Date.now() < deadline) {
      try {
        childPid = Number(readFileSync(pidFile, 'utf8').trim());
      } catch {
        await sleep(20);
      }
    }
    expect(childPid).toBeGreaterThan(0);
    await stopProcess(rec);
    const child: ProcessRecord = { pid: childPid, startTime: undefined, log: '' };
    const gone = Date.now() + 3000;
    while (isRunning(child) && Date.now() < gone) await sleep(20);
    expect(isRunning(child)).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const rec = startDetached({ command: 'sh', args: ['-c', "trap '' TERM; while :; do sleep 0.1; done"] }, join(dir, 'c.log'));
    started.push(rec);
    await sleep(100);
    const t0 = Date.now();
    await stopProcess(rec, 300);
    expect(isRunning(rec)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('never signals a reused pid: a record whose start time differs counts as not running', async () => {
    const rec = startDetached({ command: 'sleep', args: ['30'] }, join(dir, 'd.log'));
    started.push(rec);
    const impostor: ProcessRecord = { ...rec, startTime: '1' };
    expect(isRunning(impostor)).toBe(false);
    await stopProcess(impostor);
    expect(isRunning(rec)).toBe(true);
  });

  it('fails with LOCAL_CLUSTER_ERR_START when the executable does not exist', () => {
    expect(() => startDetached({ command: join(dir, 'no-such-binary'), args: [] }, join(dir, 'e.log'))).toThrow(
      expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_START' }),
    );
  });
});
