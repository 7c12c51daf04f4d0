import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CommandSpec } from './flags.js';
import { renderKubeconfig } from './kubeconfig.js';
import {
  kindClusterName,
  kindConfigYaml,
  kindCreateCommand,
  kindDeleteCommand,
  kindStaticPodCommand,
  upKindCluster,
  type CommandRunner,
} from './kind-provider.js';
import { attachLocalCluster } from './cluster.js';

describe('kind commands', () => {
  it('creates a cluster with its own kubeconfig and config file, waiting for the control plane', () => {
    expect(kindCreateCommand({ binary: 'kind', name: 'certscrape-a', kubeconfig: '/s/admin.kubeconfig', config: '/s/kind.yaml' })).toEqual({
      command: 'kind',
      args: ['create', 'cluster', '--name', 'certscrape-a', '--kubeconfig', '/s/admin.kubeconfig', '--config', '/s/kind.yaml', '--wait', '5m'],
    });
  });

  it('passes --image only when asked', () => {
    const { args } = kindCreateCommand({ binary: '/opt/kind', name: 'n', kubeconfig: 'k', config: 'c', image: 'kindest/node:v1.30.0' });
    expect(args.slice(-2)).toEqual(['--image', 'kindest/node:v1.30.0']);
  });

  it('deletes by name and kubeconfig', () => {
    expect(kindDeleteCommand({ binary: 'kind', name: 'n', kubeconfig: '/s/k' })).toEqual({ command: 'kind', args: ['delete', 'cluster', '--name', 'n', '--kubeconfig', '/s/k'] });
  });

  it('stops and starts kube-apiserver by parking its static-pod manifest in the control-plane node', () => {
    expect(kindStaticPodCommand({ name: 'n', component: 'kube-apiserver', action: 'stop' })).toEqual({
      command: 'docker',
      args: ['exec', 'n-control-plane', 'mv', '/etc/kubernetes/manifests/kube-apiserver.yaml', '/etc/kubernetes/kube-apiserver.yaml.parked'],
    });
    expect(kindStaticPodCommand({ name: 'n', component: 'kube-apiserver', action: 'start' }).args.slice(-2)).toEqual([
      '/etc/kubernetes/kube-apiserver.yaml.parked',
      '/etc/kubernetes/manifests/kube-apiserver.yaml',
    ]);
  });

  it('sets the API server address and the controller-manager signing duration in the cluster config', () => {
    const doc = parse(kindConfigYaml({ bindAddress: '127.0.0.1', signingDurationSeconds: 600 }));
    expect(doc).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', networking: { apiServerAddress: '127.0.0.1' } });
    expect(parse(doc.kubeadmConfigPatches[0])).toEqual({
      kind: 'ClusterConfiguration',
      controllerManager: { extraArgs: { 'cluster-signing-duration': '10m0s' } },
    });
  });

  it('derives a stable, valid, per-directory cluster name', () => {
    const a = kindClusterName('/tmp/My State_Dir!');
    expect(a).toMatch(/^certscrape-[a-z0-9-]+-[0-9a-f]{6}$/);
    expect(a.length).toBeLessThanOrEqual(40);
    expect(kindClusterName('/tmp/My State_Dir!')).toBe(a);
    expect(kindClusterName('/other/My State_Dir!')).not.toBe(a);
  });
});

describe('kind provider lifecycle (recorded commands; kind itself is not run here)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lc-kind-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const CA = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';
  const recorder = (exitCode = 0): { run: CommandRunner; calls: CommandSpec[] } => {
    const calls: CommandSpec[] = [];
    const run: CommandRunner = async (spec) => {
      calls.push(spec);
      if (spec.args[0] === 'create' && exitCode === 0) {
        const kc = spec.args[spec.args.indexOf('--kubeconfig') + 1] as string;
        writeFileSync(kc, renderKubeconfig({ clusterName: 'kind', server: 'https://127.0.0.1:41234', caPem: CA, userName: 'kind', credentials: { clientCertificatePem: 'C', clientKeyPem: 'K' } }));
      }
      return { code: exitCode, stdout: '' };
    };
    return { run, calls };
  };

  it('up runs kind create, then reports server and CA from the kubeconfig; down runs kind delete once', async () => {
    const { run, calls } = recorder();
    const cluster = await upKindCluster({ stateDir: dir, signingDurationSeconds: 600, provider: 'kind', kind: { name: 'certscrape-t' } }, run);
    expect(calls[0]?.args.slice(0, 4)).toEqual(['create', 'cluster', '--name', 'certscrape-t']);
    expect(cluster.info).toMatchObject({ provider: 'kind', server: 'https://127.0.0.1:41234', signingDurationSeconds: 600 });
    expect(readFileSync(cluster.info.caFile, 'utf8')).toBe(CA);
    await expect(upKindCluster({ stateDir: dir, provider: 'kind' }, run)).rejects.toMatchObject({ code: 'LOCAL_CLUSTER_ERR_STATE_DIR_LIVE' });
    expect(await attachLocalCluster(dir)).toBeDefined();
    await cluster.down();
    await cluster.down();
    expect(calls.filter((c) => c.args[0] === 'delete')).toEqual([kindDeleteCommand({ binary: 'kind', name: 'certscrape-t', kubeconfig: join(dir, 'admin.kubeconfig') })]);
  });

  it('a failing kind create is LOCAL_CLUSTER_ERR_KIND and leaves the state dir reusable', async () => {
    const { run } = recorder(1);
    await expect(upKindCluster({ stateDir: dir, provider: 'kind' }, run)).rejects.toMatchObject({ code: 'LOCAL_CLUSTER_ERR_KIND' });
    const { run: run2 } = recorder(0);
    await expect(upKindCluster({ stateDir: dir, provider: 'kind' }, run2)).resolves.toBeDefined();
  });

  it('refuses a new signing duration on restart with LOCAL_CLUSTER_ERR_NOT_SUPPORTED', async () => {
    const { run } = recorder();
    const cluster = await upKindCluster({ stateDir: dir, provider: 'kind', signingDurationSeconds: 600 }, run);
    await expect(cluster.restartControllerManager({ signingDurationSeconds: 60 })).rejects.toMatchObject({ code: 'LOCAL_CLUSTER_ERR_NOT_SUPPORTED' });
  });
});
