// Runs the built bin (npx nx build @certscrape/local-cluster first; the integration target depends on build).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning } from './process.js';
import { localClusterFromInject } from './testing/index.js';

const BIN = fileURLToPath(new URL('../bin/certscrape-cluster.js', import.meta.url));

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CERTSCRAPE_CLUSTER_STATE_DIR: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('certscrape-cluster (the bin)', () => {
  let dir: string;
  let binDir: string;
  beforeAll(() => {
    expect(existsSync(join(BIN, '../../dist/cli.js')), 'build the package first').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'lc-cli-'));
    binDir = localClusterFromInject().binDir;
  });
  afterAll(async () => {
    await cli(['down', '--state-dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('--help names every command', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const c of ['up', 'down', 'status', 'kubeconfig']) expect(stdout).toContain(c);
  });

  it('rejects a bad --signing-duration before doing anything', async () => {
    const { code, stderr } = await cli(['up', '--state-dir', dir, '--signing-duration', 'ten minutes']);
    expect(code).not.toBe(0);
    expect(stderr).toContain('not a duration');
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
  });

  it('up prints one JSON object and progress on stderr; status, kubeconfig, a refused second up, then down with no process left', async () => {
    const env = { CERTSCRAPE_K8S_BIN_DIR: binDir };
    const up = await cli(['up', '--state-dir', dir, '--signing-duration', '10m'], env);
    expect(up.code, up.stderr).toBe(0);
    const info = JSON.parse(up.stdout) as { kubeconfig: string; server: string; caFile: string; signingDurationSeconds: number };
    expect(info).toMatchObject({ kubeconfig: join(dir, 'admin.kubeconfig'), caFile: join(dir, 'pki', 'ca.crt'), signingDurationSeconds: 600 });
    expect(info.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(up.stderr).toMatch(/\[certscrape-cluster \+\d+\.\ds\] starting kube-apiserver/);

    const status = await cli(['status', '--state-dir', dir]);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as { live: boolean; processes: Record<string, { pid: number; running: boolean }> };
    expect(report.live).toBe(true);
    const pids = Object.values(report.processes).map((p) => p.pid);
    expect(pids).toHaveLength(3);

    const again = await cli(['up', '--state-dir', dir], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('LOCAL_CLUSTER_ERR_STATE_DIR_LIVE');

    const out = join(dir, 'op.kubeconfig');
    const kc = await cli(['kubeconfig', '--state-dir', dir, '--service-account', 'monitoring/monitoring-operator', '--out', out]);
    expect(kc.code, kc.stderr).toBe(0);
    expect(JSON.parse(kc.stdout)).toMatchObject({ kubeconfig: out, username: 'system:serviceaccount:monitoring:monitoring-operator' });
    const doc = parse(readFileSync(out, 'utf8'));
    expect(doc.clusters[0].cluster.server).toBe(info.server);
    expect(doc.users[0].user.token).toMatch(/^eyJ/);

    const down = await cli(['down', '--state-dir', dir]);
    expect(down.code, down.stderr).toBe(0);
    for (const pid of pids) expect(isRunning({ pid, startTime: undefined, log: '' }), `pid ${pid} still runs`).toBe(false);
    const after = await cli(['status', '--state-dir', dir]);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ live: false, status: 'down' });
  }, 600_000);

  it('kubeconfig and down on a dir without a cluster fail with LOCAL_CLUSTER_ERR_NO_STATE', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'lc-cli-empty-'));
    try {
      const res = await cli(['down', '--state-dir', empty]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('LOCAL_CLUSTER_ERR_NO_STATE');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
