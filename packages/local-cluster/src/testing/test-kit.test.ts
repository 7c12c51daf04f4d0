// The shared test kit, unit-tested against real temp dirs, real child processes and the real
// deploy/ manifests.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { renderKustomization } from '../manifests/kustomize.js';
import { componentRbac, DEPLOY_DIR } from './component-rbac.js';
import { ObjectRecorder, type RecordableSource } from './object-recorder.js';
import { SecretVolume } from './secret-volume.js';
import { ProcessExitedError, SupervisedProcess } from './supervised-process.js';
import { waitFor, WaitTimeoutError } from './wait-for.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('waitFor', () => {
  it('returns the first value that is not undefined, null or false', async () => {
    let n = 0;
    expect(await waitFor(() => (++n < 3 ? false : n), { what: 'n', intervalMs: 1 })).toBe(3);
  });
  it('if the probe never succeeds, fails with TESTKIT_ERR_TIMEOUT naming what and the last error', async () => {
    const err = await waitFor(() => {
      throw new Error('not yet');
    }, { what: 'the moon', timeoutMs: 30, intervalMs: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as WaitTimeoutError).code).toBe('TESTKIT_ERR_TIMEOUT');
    expect((err as Error).message).toMatch(/the moon.*not yet/);
  });
  it('if the probe throws a fatal error, rethrows it at once', async () => {
    const fatal = new Error('gone');
    await expect(waitFor(() => Promise.reject(fatal), { what: 'x', timeoutMs: 10_000, fatal: (e) => e === fatal })).rejects.toBe(fatal);
  });
});

describe('SecretVolume', () => {
  it('publishes keys through ..data, swaps ..data atomically and removes the old generation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-vol-'));
    dirs.push(dir);
    const v = await SecretVolume.create(dir, { 'tls.crt': 'one', 'tls.key': 'k1' });
    expect(readlinkSync(v.path('tls.crt'))).toBe(join('..data', 'tls.crt'));
    const first = readlinkSync(join(dir, '..data'));
    await v.update({ 'tls.crt': 'two', 'tls.key': 'k2' });
    expect(readlinkSync(join(dir, '..data'))).not.toBe(first);
    expect(readFileSync(v.path('tls.crt'), 'utf8')).toBe('two');
    expect(readFileSync(v.path('tls.key'), 'utf8')).toBe('k2');
    expect(readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data')).toHaveLength(1);
  });
});

describe('SupervisedProcess', () => {
  it('collects JSON log lines, waits for one, and stops by pid with SIGTERM', async () => {
    const p = new SupervisedProcess({ name: 'echo', command: process.execPath, args: ['-e', "console.log(JSON.stringify({msg:'ready'})); console.log('plain'); setInterval(() => {}, 1000)"] });
    await p.waitForLog('ready', (l) => l['msg'] === 'ready');
    await waitFor(() => p.logs.find((l) => l['raw'] === 'plain'), { what: 'the plain line' });
    await p.stop();
    expect(p.exitInfo?.signal).toBe('SIGTERM');
  });
  it('if the process exits while a log line is awaited, fails at once with TESTKIT_ERR_PROCESS_EXITED and its output', async () => {
    const p = new SupervisedProcess({ name: 'dies', command: process.execPath, args: ['-e', "console.error('boom'); process.exit(3)"] });
    const err = await p.waitForLog('never', () => false, 60_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessExitedError);
    expect((err as Error).message).toContain('boom');
    expect(p.exitInfo?.code).toBe(3);
  });
  it('kill9 ends a process that ignores SIGTERM', async () => {
    const p = new SupervisedProcess({ name: 'stubborn', command: process.execPath, args: ['-e', "process.on('SIGTERM', () => {}); console.log('{}'); setInterval(() => {}, 1000)"] });
    await p.waitForLog('started', () => true);
    await p.kill9();
    expect(p.exitInfo?.signal).toBe('SIGKILL');
  });
});

/** A hand-driven source: the recorder's bookkeeping is what is under test here, not an informer. */
class ScriptedSource implements RecordableSource<V1ConfigMap> {
  handlers: ((e: { type: 'add' | 'update' | 'delete'; object: V1ConfigMap }) => void)[] = [];
  state = { synced: false, watching: false, lists: 0, restarts: 0, lastError: undefined as string | undefined };
  on(h: (e: { type: 'add' | 'update' | 'delete'; object: V1ConfigMap }) => void): void {
    this.handlers.push(h);
  }
  start(): void {
    this.emit('add', 'before', '1');
    this.state = { ...this.state, synced: true, watching: true, lists: 1 };
  }
  async stop(): Promise<void> {}
  async waitForSync(): Promise<void> {}
  health() {
    return this.state;
  }
  emit(type: 'add' | 'update' | 'delete', name: string, rv: string): void {
    for (const h of this.handlers) h({ type, object: { metadata: { name, resourceVersion: rv } } });
  }
}

describe('ObjectRecorder', () => {
  it('records every version in order, tells initial objects from created ones, and passes when it watched throughout', async () => {
    const src = new ScriptedSource();
    const created: string[] = [];
    const rec = new ObjectRecorder(src, { name: 'cms', inspect: (o) => o.metadata?.resourceVersion, onCreate: (o) => created.push(o.metadata!.name!) });
    await rec.start();
    src.emit('add', 'new', '2');
    src.emit('update', 'new', '3');
    src.emit('delete', 'new', '3');
    const v = await rec.settle();
    expect(v.map((x) => `${x.phase} ${x.name} ${x.inspection} ${x.initial}`)).toEqual(['ADDED before 1 true', 'ADDED new 2 false', 'MODIFIED new 3 false', 'DELETED new 3 false']);
    expect(rec.created()).toEqual(['new']);
    expect(created).toEqual(['new']);
    await rec.assertWatchedThroughout(100);
  });
  it('if the informer had to re-list (a gap), refuses to vouch for every version', async () => {
    const src = new ScriptedSource();
    const rec = new ObjectRecorder(src, { name: 'cms' });
    await rec.start();
    src.state = { ...src.state, lists: 2, lastError: 'watch closed' };
    await expect(rec.assertWatchedThroughout(100)).rejects.toThrow(/re-listed/);
  });
  it('if it is not watching at the end, fails', async () => {
    const src = new ScriptedSource();
    const rec = new ObjectRecorder(src, { name: 'cms' });
    await rec.start();
    src.state = { ...src.state, watching: false };
    await expect(rec.assertWatchedThroughout(50)).rejects.toThrow(/watching/);
  });
  it('if it was never started, fails (an empty recording proves nothing)', async () => {
    await expect(new ObjectRecorder(new ScriptedSource(), { name: 'cms' }).assertWatchedThroughout(50)).rejects.toThrow(/never synced/);
  });
});

describe('componentRbac', () => {
  it("is exactly deploy/monitoring-operator's identity and RBAC objects, with only the home-namespace Roles and RoleBindings moved", () => {
    // deploy/'s parts are namespace-free; the base sets the namespace: take the operator's objects from it.
    const rendered = renderKustomization(DEPLOY_DIR).filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'monitoring-operator');
    const granted = componentRbac('monitoring-operator', { namespace: 'it-ns' });
    const rbac = rendered.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind));
    expect(granted.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(rbac.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    for (const g of granted) {
      const r = rbac.find((o) => o.kind === g.kind && o.metadata.name === g.metadata.name && (o.metadata.namespace === g.metadata.namespace || o.metadata.namespace === 'monitoring'))!;
      const { metadata: gm, ...gRest } = g;
      const { metadata: rm, ...rRest } = r;
      expect(gRest).toEqual(rRest);
      expect({ ...gm, namespace: undefined }).toEqual({ ...rm, namespace: undefined });
      expect(gm.namespace).toBe(rm.namespace === 'monitoring' && (g.kind === 'Role' || g.kind === 'RoleBinding') ? 'it-ns' : rm.namespace);
    }
    expect(granted.find((o) => o.kind === 'Role' && o.metadata.namespace === 'kube-system')).toBeDefined();
  });
});
