import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterStatus } from './cluster.js';
import { clusterPaths } from './layout.js';
import { assertNotLive } from './local-provider.js';
import { startDetached, stopProcess, type ProcessRecord } from './process.js';
import { readStateFile, writeStateFile, type LocalStateFile } from './state.js';
import { acquireUpLock } from './up-lock.js';

describe('state file and liveness', () => {
  let dir: string;
  const started: ProcessRecord[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lc-state-'));
  });
  afterEach(async () => {
    for (const r of started.splice(0)) await stopProcess(r, 1000);
    rmSync(dir, { recursive: true, force: true });
  });

  const state = (processes: LocalStateFile['processes']): LocalStateFile => ({
    version: 1,
    provider: 'local',
    status: 'running',
    info: { stateDir: dir, kubeconfig: 'k', server: 's', caFile: 'c', bindAddress: '127.0.0.1', signingDurationSeconds: 600, etcdClientUrl: 'e', binDir: 'b' },
    plan: {
      bindAddress: '127.0.0.1',
      signingDurationSeconds: 600,
      ports: { etcdClient: 1, etcdPeer: 2, etcdMetrics: 3, apiserver: 4, controllerManager: 5 },
      binaries: { etcd: 'e', kubeApiserver: 'a', kubeControllerManager: 'c' },
      kubeVersion: { major: 1, minor: 20, raw: '' },
    },
    processes,
    updatedAt: '',
  });

  it('round-trips through writeStateFile/readStateFile and stamps updatedAt', () => {
    const file = join(dir, 'state.json');
    writeStateFile(file, state({}));
    const back = readStateFile(file);
    expect(back).toMatchObject({ provider: 'local', status: 'running' });
    expect(Date.parse(back!.updatedAt)).not.toBeNaN();
  });

  it('has no state in an empty dir, and refuses a foreign or broken file with LOCAL_CLUSTER_ERR_STATE_INVALID', () => {
    const file = join(dir, 'state.json');
    expect(readStateFile(file)).toBeUndefined();
    writeFileSync(file, '{"hello": 1}');
    expect(() => readStateFile(file)).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_STATE_INVALID' }));
    writeFileSync(file, 'not json');
    expect(() => readStateFile(file)).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_STATE_INVALID' }));
  });

  it('a state dir with a running recorded process is live: assertNotLive fails with LOCAL_CLUSTER_ERR_STATE_DIR_LIVE', async () => {
    const paths = clusterPaths(dir);
    const rec = startDetached({ command: 'sleep', args: ['30'] }, join(dir, 'etcd.log'));
    started.push(rec);
    writeStateFile(paths.stateFile, state({ etcd: rec }));
    expect(() => assertNotLive(paths)).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_STATE_DIR_LIVE' }));
    const report = await clusterStatus(dir);
    expect(report.processes?.etcd).toMatchObject({ pid: rec.pid, running: true });
    expect(report.live).toBe(false); // only etcd of three
    await stopProcess(rec);
    expect(() => assertNotLive(paths)).not.toThrow();
    expect((await clusterStatus(dir)).processes?.etcd?.running).toBe(false);
  });

  it('the up lock excludes a second holder while the first lives, and is taken over from a dead one', () => {
    const lock = join(dir, 'up.lock');
    const release = acquireUpLock(lock, dir);
    writeFileSync(lock, '1'); // pid 1 (init) is alive and is not us
    expect(() => acquireUpLock(lock, dir)).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_STATE_DIR_LIVE' }));
    writeFileSync(lock, '999999999'); // no such pid
    const again = acquireUpLock(lock, dir);
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    again();
    release();
  });
});
