import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRunning, startDetached, stopProcess, type ProcessRecord } from './process.js';
import { writeStateFile, type LocalStateFile } from './state.js';
import { startWatchdog } from './watchdog.js';

describe('watchdog', () => {
  let dir: string;
  const started: ProcessRecord[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lc-wd-'));
  });
  afterEach(async () => {
    for (const r of started.splice(0)) await stopProcess(r, 1000);
    rmSync(dir, { recursive: true, force: true });
  });

  const until = async (cond: () => boolean, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!cond() && Date.now() < deadline) await sleep(50);
    return cond();
  };

  it('kills the recorded processes and marks the state down once the watched process dies', async () => {
    const runner = startDetached({ command: 'sleep', args: ['60'] }, join(dir, 'runner.log'));
    const etcd = startDetached({ command: 'sleep', args: ['60'] }, join(dir, 'etcd.log'));
    started.push(runner, etcd);
    const stateFile = join(dir, 'state.json');
    writeStateFile(stateFile, { version: 1, provider: 'local', status: 'running', processes: { etcd } } as unknown as LocalStateFile);
    const dog = startWatchdog(stateFile, runner.pid);
    started.push(dog);

    await sleep(1500);
    expect(isRunning(etcd)).toBe(true); // the runner lives: hands off

    await stopProcess(runner);
    expect(await until(() => !isRunning(etcd), 5000)).toBe(true);
    expect(await until(() => !isRunning(dog), 3000)).toBe(true);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ status: 'down', processes: {} });
  });
});
