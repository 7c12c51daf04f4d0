import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { stringify } from 'yaml';
import { formatGoDuration } from './duration.js';
import { LocalClusterError } from './errors.js';
import type { CommandSpec } from './flags.js';
import { kubeconfigCluster } from './kubeconfig.js';
import { clusterPaths, type ClusterPaths } from './layout.js';
import { DEFAULT_BIND_ADDRESS, DEFAULT_SIGNING_DURATION_SECONDS, READY_TIMEOUTS_MS, assertNotLive } from './local-provider.js';
import { waitReady } from './probe.js';
import { progressReporter } from './progress.js';
import { writeServiceAccountKubeconfig } from './service-account.js';
import { readStateFile, writeStateFile, type KindStateFile } from './state.js';
import type { ClusterInfo, LocalCluster, ServiceAccountKubeconfigOptions, UpOptions } from './types.js';
import { acquireUpLock } from './up-lock.js';

/** Runs one command, streaming its output lines to `onLine`; resolves with exit code and stdout. Injected in tests. */
export type CommandRunner = (spec: CommandSpec, onLine: (line: string) => void) => Promise<{ code: number; stdout: string }>;

/** The real runner: spawns the command (no shell). */
export const spawnRunner: CommandRunner = (spec, onLine) =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(spec.command, [...spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      const lines = (partial + c).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    child.on('error', (cause) => reject(new LocalClusterError('LOCAL_CLUSTER_ERR_KIND', `cannot run ${spec.command}`, { cause })));
    child.on('close', (code) => {
      if (partial) onLine(partial);
      resolvePromise({ code: code ?? 1, stdout });
    });
  });

/** A kind cluster name for a state dir: "certscrape-<basename>-<6 hex of the path>", lower-case, at most 40 chars. */
export function kindClusterName(stateDir: string): string {
  const base = basename(stateDir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 20) || 'cluster';
  const hash = createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 6);
  return `certscrape-${base}-${hash}`;
}

/** The kind cluster config: API server address, and kube-controller-manager's --cluster-signing-duration via a kubeadm patch. */
export function kindConfigYaml(options: { bindAddress: string; signingDurationSeconds: number }): string {
  const patch = stringify({
    kind: 'ClusterConfiguration',
    controllerManager: { extraArgs: { 'cluster-signing-duration': formatGoDuration(options.signingDurationSeconds) } },
  });
  return stringify({
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    networking: { apiServerAddress: options.bindAddress },
    kubeadmConfigPatches: [patch],
  });
}

/** `kind create cluster` for a state dir; waits up to 5 minutes for the control plane. */
export function kindCreateCommand(o: { binary: string; name: string; kubeconfig: string; config: string; image?: string }): CommandSpec {
  return {
    command: o.binary,
    args: ['create', 'cluster', '--name', o.name, '--kubeconfig', o.kubeconfig, '--config', o.config, '--wait', '5m', ...(o.image ? ['--image', o.image] : [])],
  };
}

/** `kind delete cluster`. */
export function kindDeleteCommand(o: { binary: string; name: string; kubeconfig: string }): CommandSpec {
  return { command: o.binary, args: ['delete', 'cluster', '--name', o.name, '--kubeconfig', o.kubeconfig] };
}

/** `kind get clusters` (to tell whether ours exists). */
export function kindGetClustersCommand(binary: string): CommandSpec {
  return { command: binary, args: ['get', 'clusters'] };
}

const MANIFESTS = '/etc/kubernetes/manifests';

/**
 * Stops or starts a static-pod control-plane component in the kind node by moving its manifest out of
 * (or back into) the kubelet's manifest dir: the kubelet then removes (or recreates) the pod.
 */
export function kindStaticPodCommand(o: { name: string; component: 'kube-apiserver' | 'kube-controller-manager' | 'etcd'; action: 'stop' | 'start'; docker?: string }): CommandSpec {
  const inManifests = `${MANIFESTS}/${o.component}.yaml`;
  const parked = `/etc/kubernetes/${o.component}.yaml.parked`;
  const [from, to] = o.action === 'stop' ? [inManifests, parked] : [parked, inManifests];
  return { command: o.docker ?? 'docker', args: ['exec', `${o.name}-control-plane`, 'mv', from, to] };
}

/** Creates a kind cluster for `options.stateDir`. See upLocalCluster. */
export async function upKindCluster(options: UpOptions, run: CommandRunner = spawnRunner): Promise<KindCluster> {
  const say = progressReporter(options.onProgress);
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const paths = clusterPaths(stateDir);
  const release = acquireUpLock(paths.lockFile, stateDir);
  try {
    assertNotLive(paths);
    const bindAddress = options.bindAddress ?? DEFAULT_BIND_ADDRESS;
    const signingDurationSeconds = options.signingDurationSeconds ?? DEFAULT_SIGNING_DURATION_SECONDS;
    const binary = options.kind?.binary ?? 'kind';
    const name = options.kind?.name ?? kindClusterName(stateDir);
    writeFileSync(paths.kindConfig, kindConfigYaml({ bindAddress, signingDurationSeconds }));
    const info: ClusterInfo = {
      stateDir,
      kubeconfig: paths.adminKubeconfig,
      server: '',
      caFile: paths.caCert,
      bindAddress,
      signingDurationSeconds,
      etcdClientUrl: '',
      binDir: '',
      provider: 'kind',
    };
    const state: KindStateFile = { version: 1, provider: 'kind', status: 'starting', info, kind: { name, binary }, updatedAt: '' };
    writeStateFile(paths.stateFile, state);
    say(`kind create cluster --name ${name}`);
    const create = kindCreateCommand({ binary, name, kubeconfig: paths.adminKubeconfig, config: paths.kindConfig, ...(options.kind?.image ? { image: options.kind.image } : {}) });
    const res = await run(create, (l) => say(`kind: ${l}`));
    if (res.code !== 0) {
      state.status = 'failed';
      writeStateFile(paths.stateFile, state);
      throw new LocalClusterError('LOCAL_CLUSTER_ERR_KIND', `kind create cluster failed (exit ${res.code}); is a Docker engine running?`);
    }
    const { server, caPem } = kubeconfigCluster(readFileSync(paths.adminKubeconfig, 'utf8'));
    mkdirSync(paths.pkiDir, { recursive: true });
    writeFileSync(paths.caCert, caPem ?? '', { mode: 0o644 });
    state.info = { ...info, server };
    state.status = 'running';
    writeStateFile(paths.stateFile, state);
    say(`kind cluster ${name} up at ${server}`);
    return new KindCluster(paths, run);
  } finally {
    release();
  }
}

/** A handle on a kind cluster. stopApiserver/startApiserver park and restore the static-pod manifest; a new signing duration needs a new cluster. */
export class KindCluster implements LocalCluster {
  readonly #paths: ClusterPaths;
  readonly #run: CommandRunner;

  constructor(paths: ClusterPaths, run: CommandRunner = spawnRunner) {
    this.#paths = paths;
    this.#run = run;
  }

  #state(): KindStateFile {
    const s = readStateFile(this.#paths.stateFile);
    if (!s) throw new LocalClusterError('LOCAL_CLUSTER_ERR_NO_STATE', `no cluster state in ${this.#paths.stateDir}`);
    if (s.provider !== 'kind') throw new LocalClusterError('LOCAL_CLUSTER_ERR_STATE_INVALID', `${this.#paths.stateFile} is a ${s.provider} cluster`);
    return s;
  }

  get info(): ClusterInfo {
    return this.#state().info;
  }

  async #exec(spec: CommandSpec, what: string): Promise<void> {
    const res = await this.#run(spec, () => undefined);
    if (res.code !== 0) throw new LocalClusterError('LOCAL_CLUSTER_ERR_KIND', `${what} failed (exit ${res.code})`);
  }

  async down(): Promise<void> {
    const s = this.#state();
    if (s.status === 'down') return;
    await this.#exec(kindDeleteCommand({ binary: s.kind.binary, name: s.kind.name, kubeconfig: this.#paths.adminKubeconfig }), 'kind delete cluster');
    s.status = 'down';
    writeStateFile(this.#paths.stateFile, s);
  }

  stopApiserver(): Promise<void> {
    return this.#exec(kindStaticPodCommand({ name: this.#state().kind.name, component: 'kube-apiserver', action: 'stop' }), 'stopping kube-apiserver');
  }

  async startApiserver(): Promise<void> {
    await this.#exec(kindStaticPodCommand({ name: this.#state().kind.name, component: 'kube-apiserver', action: 'start' }), 'starting kube-apiserver');
    const kc = kubeconfigCluster(readFileSync(this.#paths.adminKubeconfig, 'utf8'));
    await waitReady('kube-apiserver', `${kc.server}/readyz`, undefined, {
      tls: { ca: kc.caPem ?? '', cert: kc.clientCertificatePem, key: kc.clientKeyPem },
      timeoutMs: READY_TIMEOUTS_MS['kube-apiserver'],
    });
  }

  async restartControllerManager(options: { signingDurationSeconds?: number } = {}): Promise<void> {
    if (options.signingDurationSeconds !== undefined && options.signingDurationSeconds !== this.info.signingDurationSeconds) {
      throw new LocalClusterError('LOCAL_CLUSTER_ERR_NOT_SUPPORTED', 'kind: the signing duration is fixed at `up` (--signing-duration)');
    }
    const name = this.#state().kind.name;
    await this.#exec(kindStaticPodCommand({ name, component: 'kube-controller-manager', action: 'stop' }), 'stopping kube-controller-manager');
    await this.#exec(kindStaticPodCommand({ name, component: 'kube-controller-manager', action: 'start' }), 'starting kube-controller-manager');
  }

  stopControllerManager(): Promise<void> {
    return this.#exec(kindStaticPodCommand({ name: this.#state().kind.name, component: 'kube-controller-manager', action: 'stop' }), 'stopping kube-controller-manager');
  }

  startControllerManager(): Promise<void> {
    return this.#exec(kindStaticPodCommand({ name: this.#state().kind.name, component: 'kube-controller-manager', action: 'start' }), 'starting kube-controller-manager');
  }

  clientCaBundle(): string {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_NOT_SUPPORTED', 'kind: the client CA bundle is kubeadm\'s; rotate it with the local provider');
  }

  setClientCaBundle(): Promise<void> {
    return Promise.reject(new LocalClusterError('LOCAL_CLUSTER_ERR_NOT_SUPPORTED', 'kind: the client CA bundle is kubeadm\'s; rotate it with the local provider'));
  }

  republishClientCaBundle(): Promise<void> {
    return Promise.reject(new LocalClusterError('LOCAL_CLUSTER_ERR_NOT_SUPPORTED', 'kind: the client CA bundle is kubeadm\'s; rotate it with the local provider'));
  }

  setSigningCa(): Promise<void> {
    return Promise.reject(new LocalClusterError('LOCAL_CLUSTER_ERR_NOT_SUPPORTED', 'kind: the signing CA is kubeadm\'s; rotate it with the local provider'));
  }

  async restartEtcd(): Promise<void> {
    const name = this.#state().kind.name;
    await this.#exec(kindStaticPodCommand({ name, component: 'etcd', action: 'stop' }), 'stopping etcd');
    await this.#exec(kindStaticPodCommand({ name, component: 'etcd', action: 'start' }), 'starting etcd');
  }

  serviceAccountKubeconfig(options: ServiceAccountKubeconfigOptions): Promise<string> {
    return writeServiceAccountKubeconfig(this.info, options);
  }
}
