import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from './kube-config.js';

const dir = mkdtempSync(join(tmpdir(), 'kube-runtime-kc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, server: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server}\n    certificate-authority: ca.crt\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\n`,
  );
  return path;
}

describe('loadKubeConfig', () => {
  const explicit = kubeconfig('explicit.yaml', 'https://127.0.0.1:1001');
  const fromEnv = kubeconfig('env.yaml', 'https://127.0.0.1:1002');
  const saDir = join(dir, 'sa');
  mkdirSync(saDir);
  writeFileSync(join(saDir, 'token'), 'tok');
  writeFileSync(join(saDir, 'ca.crt'), 'ca');
  const inCluster = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };

  it('prefers the explicit path and makes relative files absolute', () => {
    const r = loadKubeConfig({ kubeconfig: explicit, env: { ...inCluster, KUBECONFIG: fromEnv }, serviceAccountDir: saDir });
    expect(r.source).toBe('explicit');
    expect(r.kubeConfig.getCurrentCluster()).toMatchObject({ server: 'https://127.0.0.1:1001', caFile: join(dir, 'ca.crt') });
  });
  it('uses KUBECONFIG before in-cluster config, as controller-runtime does', () => {
    const r = loadKubeConfig({ env: { ...inCluster, KUBECONFIG: fromEnv }, serviceAccountDir: saDir });
    expect(r.source).toBe('KUBECONFIG');
    expect(r.kubeConfig.getCurrentCluster()?.server).toBe('https://127.0.0.1:1002');
  });
  it('uses in-cluster config when KUBECONFIG is unset or empty', () => {
    for (const env of [inCluster, { ...inCluster, KUBECONFIG: '' }]) {
      const r = loadKubeConfig({ env, serviceAccountDir: saDir });
      expect(r.source).toBe('in-cluster');
      expect(r.kubeConfig.getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
    }
  });
  it('merges KUBECONFIG=a:b as kubectl does: first definition of a name and first current-context win', () => {
    const sub = join(dir, 'b');
    mkdirSync(sub, { recursive: true });
    const a = join(dir, 'a.yaml');
    writeFileSync(a, `apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: from-a\ncontexts:\n- name: other\n  context: {cluster: c2, user: u}\n`);
    const b = join(sub, 'b.yaml');
    writeFileSync(
      b,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:2002\n    certificate-authority: ca.crt\nusers:\n- name: u\n  user:\n    token: from-b\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\n`,
    );
    const r = loadKubeConfig({ env: { KUBECONFIG: `${a}:${join(dir, 'missing')}::${b}` } });
    expect(r.source).toBe('KUBECONFIG');
    expect(r.paths).toEqual([a, b]);
    expect(r.kubeConfig.getCurrentContext()).toBe('ctx');
    expect(r.kubeConfig.getCurrentCluster()).toMatchObject({ server: 'https://127.0.0.1:2002', caFile: join(sub, 'ca.crt') });
    expect(r.kubeConfig.getCurrentUser()?.token).toBe('from-a');
    expect(r.kubeConfig.getContexts().map((c) => c.name).sort()).toEqual(['ctx', 'other']);
  });
  it('falls back to the first existing KUBECONFIG entry', () => {
    const r = loadKubeConfig({ env: { KUBECONFIG: `${join(dir, 'missing')}:${fromEnv}` }, serviceAccountDir: join(dir, 'nope') });
    expect(r).toMatchObject({ source: 'KUBECONFIG', path: fromEnv });
  });
  it('fails with a coded error when nothing is configured or the file is missing', () => {
    expect(() => loadKubeConfig({ env: { HOME: dir }, serviceAccountDir: join(dir, 'nope') })).toThrow(expect.objectContaining({ code: 'KUBE_RUNTIME_ERR_KUBECONFIG' }));
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'missing.yaml') })).toThrow(expect.objectContaining({ code: 'KUBE_RUNTIME_ERR_KUBECONFIG' }));
    expect(() => loadKubeConfig({ env: { KUBECONFIG: `${join(dir, 'x')}:${join(dir, 'y')}` } })).toThrow(expect.objectContaining({ code: 'KUBE_RUNTIME_ERR_KUBECONFIG' }));
  });
});
