import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { republishClientCa } from './client-ca-publication.js';
import { LocalClusterError } from './errors.js';
import {
  apiserverCommand,
  controllerManagerCommand,
  etcdCommand,
  parseKubeVersion,
  serverUrl,
  type ClusterPlan,
  type ClusterPorts,
  type CommandSpec,
} from './flags.js';
import { renderKubeconfig } from './kubeconfig.js';
import { clusterPaths, type ClusterPaths } from './layout.js';
import { createClusterPki, initialClientCaBundle, joinPemBundle, type ClusterPki, type PemPair } from './pki.js';
import { freePort, freePorts } from './ports.js';
import { waitReady } from './probe.js';
import { isRunning, startDetached, stopProcess, type ProcessRecord } from './process.js';
import { progressReporter } from './progress.js';
import { binaryVersion, provisionBinaries, resolveBinaries } from './provision.js';
import { writeServiceAccountKubeconfig } from './service-account.js';
import { PROCESS_NAMES, readStateFile, writeStateFile, type LocalStateFile, type ProcessName, type StateFile } from './state.js';
import type { ClusterInfo, LocalCluster, ServiceAccountKubeconfigOptions, UpOptions } from './types.js';
import { acquireUpLock } from './up-lock.js';

/** Default --cluster-signing-duration: one hour. */
export const DEFAULT_SIGNING_DURATION_SECONDS = 3600;
/** Default kube-apiserver --bind-address. */
export const DEFAULT_BIND_ADDRESS = '127.0.0.1';

/** How long each process may take to become ready (ms); generous because the machines are shared. */
export const READY_TIMEOUTS_MS: Record<ProcessName, number> = { etcd: 60_000, 'kube-apiserver': 240_000, 'kube-controller-manager': 120_000 };

/** The names of the processes of a state file that still run (empty: nothing to stop, safe to `up`). */
export function runningProcesses(state: StateFile | undefined): ProcessName[] {
  if (!state || state.provider !== 'local') return [];
  return PROCESS_NAMES.filter((n) => isRunning(state.processes[n]));
}

/** LOCAL_CLUSTER_ERR_STATE_DIR_LIVE when the state dir already holds a running cluster (so no twins start). */
export function assertNotLive(paths: ClusterPaths): void {
  const state = readStateFile(paths.stateFile);
  if (!state) return;
  const hint = `run \`certscrape-cluster down --state-dir ${paths.stateDir}\` first, or use another state dir`;
  if (state.provider === 'kind') {
    // The up lock serialises `up`s, so only a cluster that came up counts as live; kind cleans up failed creates itself.
    if (state.status === 'running') {
      throw new LocalClusterError('LOCAL_CLUSTER_ERR_STATE_DIR_LIVE', `${paths.stateDir} holds kind cluster ${state.kind.name} (${state.status}); ${hint}`);
    }
    return;
  }
  const live = runningProcesses(state);
  if (live.length > 0) {
    const which = live.map((n) => `${n} pid ${state.processes[n]?.pid}`).join(', ');
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_STATE_DIR_LIVE', `${paths.stateDir} already has a running cluster (${which}); ${hint}`);
  }
}

async function allocatePorts(bindAddress: string): Promise<ClusterPorts> {
  if (bindAddress === '127.0.0.1') {
    const [etcdClient, etcdPeer, etcdMetrics, apiserver, controllerManager] = (await freePorts(5)) as [number, number, number, number, number];
    return { etcdClient, etcdPeer, etcdMetrics, apiserver, controllerManager };
  }
  // kube-apiserver listens on the bind address; the rest stays on loopback.
  const [etcdClient, etcdPeer, etcdMetrics, controllerManager] = (await freePorts(4)) as [number, number, number, number];
  let apiserver = await freePort(bindAddress);
  while ([etcdClient, etcdPeer, etcdMetrics, controllerManager].includes(apiserver)) apiserver = await freePort(bindAddress);
  return { etcdClient, etcdPeer, etcdMetrics, apiserver, controllerManager };
}

function writePki(paths: ClusterPaths, pki: ClusterPki, server: string): void {
  mkdirSync(paths.pkiDir, { recursive: true, mode: 0o700 });
  const files: [string, string, number][] = [
    [paths.caCert, pki.ca.certPem, 0o644],
    [paths.caKey, pki.ca.keyPem, 0o600],
    [paths.clientCaBundle, initialClientCaBundle(pki), 0o644],
    [paths.signerCert, (pki.signer ?? pki.ca).certPem, 0o644],
    [paths.signerKey, (pki.signer ?? pki.ca).keyPem, 0o600],
    [paths.apiserverCert, pki.apiserverServing.certPem, 0o644],
    [paths.apiserverKey, pki.apiserverServing.keyPem, 0o600],
    [paths.adminCert, pki.admin.certPem, 0o644],
    [paths.adminKey, pki.admin.keyPem, 0o600],
    [paths.controllerManagerClientCert, pki.controllerManagerClient.certPem, 0o644],
    [paths.controllerManagerClientKey, pki.controllerManagerClient.keyPem, 0o600],
    [paths.controllerManagerServingCert, pki.controllerManagerServing.certPem, 0o644],
    [paths.controllerManagerServingKey, pki.controllerManagerServing.keyPem, 0o600],
    [paths.serviceAccountKey, pki.serviceAccount.keyPem, 0o600],
    [paths.serviceAccountPublicKey, pki.serviceAccount.publicKeyPem, 0o644],
    [
      paths.adminKubeconfig,
      renderKubeconfig({ clusterName: 'certscrape', server, caPem: pki.ca.certPem, userName: 'kubernetes-admin', credentials: { clientCertificatePem: pki.admin.certPem, clientKeyPem: pki.admin.keyPem } }),
      0o600,
    ],
    [
      paths.controllerManagerKubeconfig,
      renderKubeconfig({
        clusterName: 'certscrape',
        server,
        caPem: pki.ca.certPem,
        userName: 'system:kube-controller-manager',
        credentials: { clientCertificatePem: pki.controllerManagerClient.certPem, clientKeyPem: pki.controllerManagerClient.keyPem },
      }),
      0o600,
    ],
  ];
  for (const [file, text, mode] of files) writeFileSync(file, text, { mode });
}

/** Removes what a previous (dead) cluster left, except logs. */
function clearStale(paths: ClusterPaths): void {
  for (const p of [paths.pkiDir, paths.etcdDataDir, paths.apiserverCertDir, paths.controllerManagerCertDir, paths.adminKubeconfig, paths.controllerManagerKubeconfig, paths.stateFile]) {
    rmSync(p, { recursive: true, force: true });
  }
}

/** Starts etcd, kube-apiserver and kube-controller-manager as detached processes in `options.stateDir`. See upLocalCluster. */
export async function upLocalProcesses(options: UpOptions): Promise<LocalProcessCluster> {
  const say = progressReporter(options.onProgress);
  const stateDir = resolve(options.stateDir);
  const bindAddress = options.bindAddress ?? DEFAULT_BIND_ADDRESS;
  const signingDurationSeconds = options.signingDurationSeconds ?? DEFAULT_SIGNING_DURATION_SECONDS;
  if (!Number.isSafeInteger(signingDurationSeconds) || signingDurationSeconds <= 0) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_ARGUMENT', `signingDurationSeconds must be a positive integer, got ${signingDurationSeconds}`);
  }
  mkdirSync(stateDir, { recursive: true });
  const paths = clusterPaths(stateDir);
  const release = acquireUpLock(paths.lockFile, stateDir);
  try {
    assertNotLive(paths);
    clearStale(paths);
    mkdirSync(paths.logDir, { recursive: true });
    let binDir = options.binDir;
    if (binDir === undefined) {
      say('provisioning (scripts/provision.sh)');
      binDir = await provisionBinaries(options.onProgress);
    }
    const binaries = resolveBinaries(binDir);
    say(`binaries: ${binaries.kubeApiserver}, ${binaries.kubeControllerManager}, ${binaries.etcd}`);
    say('generating PKI with @certscrape/pkcs, choosing ports');
    const [versionText, pki, ports] = await Promise.all([
      binaryVersion(binaries.kubeApiserver),
      createClusterPki({ bindAddress, now: new Date(), separateSigningCa: options.separateSigningCa === true }),
      allocatePorts(bindAddress),
    ]);
    const kubeVersion = parseKubeVersion(versionText);
    const server = serverUrl(bindAddress, ports.apiserver);
    writePki(paths, pki, server);
    const plan: ClusterPlan = { bindAddress, signingDurationSeconds, ports, binaries, kubeVersion };
    const info: ClusterInfo = {
      stateDir,
      kubeconfig: paths.adminKubeconfig,
      server,
      caFile: paths.caCert,
      clientCaBundleFile: paths.clientCaBundle,
      signingCaFile: paths.signerCert,
      bindAddress,
      signingDurationSeconds,
      etcdClientUrl: `http://127.0.0.1:${ports.etcdClient}`,
      etcdMetricsUrl: `http://127.0.0.1:${ports.etcdMetrics}/metrics`,
      binDir,
      provider: 'local',
      kubernetesVersion: kubeVersion.raw,
    };
    const state: LocalStateFile = { version: 1, provider: 'local', status: 'starting', info, plan, processes: {}, updatedAt: '' };
    writeStateFile(paths.stateFile, state);
    const cluster = new LocalProcessCluster(paths);
    try {
      for (const name of PROCESS_NAMES) {
        say(`starting ${name}`);
        await cluster.startProcess(name);
        say(`${name} ready`);
      }
    } catch (e) {
      say(`start failed; stopping what was started`);
      await cluster.down().catch(() => undefined);
      cluster.updateState((s) => (s.status = 'failed'));
      throw e;
    }
    cluster.updateState((s) => (s.status = 'running'));
    say(`cluster up at ${server}`);
    return cluster;
  } finally {
    release();
  }
}

/** A handle on the local provider's processes. Every operation re-reads state.json, so handles in other processes stay coherent. */
export class LocalProcessCluster implements LocalCluster {
  readonly #paths: ClusterPaths;

  constructor(paths: ClusterPaths) {
    this.#paths = paths;
  }

  /** Current info, read from the state file (it changes with restartControllerManager). */
  get info(): ClusterInfo {
    return this.#state().info;
  }

  #state(): LocalStateFile {
    const s = readStateFile(this.#paths.stateFile);
    if (!s) throw new LocalClusterError('LOCAL_CLUSTER_ERR_NO_STATE', `no cluster state in ${this.#paths.stateDir}`);
    if (s.provider !== 'local') throw new LocalClusterError('LOCAL_CLUSTER_ERR_STATE_INVALID', `${this.#paths.stateFile} is a ${s.provider} cluster`);
    return s;
  }

  /** Applies `change` to the state file and writes it back. */
  updateState(change: (s: LocalStateFile) => void): LocalStateFile {
    const s = this.#state();
    change(s);
    writeStateFile(this.#paths.stateFile, s);
    return s;
  }

  #command(name: ProcessName, plan: ClusterPlan): CommandSpec {
    if (name === 'etcd') return etcdCommand(plan, this.#paths);
    if (name === 'kube-apiserver') return apiserverCommand(plan, this.#paths);
    return controllerManagerCommand(plan, this.#paths);
  }

  /** Starts one process (recording its pid before waiting) and waits for its health endpoint. No-op if it runs. */
  async startProcess(name: ProcessName): Promise<void> {
    const state = this.#state();
    if (isRunning(state.processes[name])) return;
    const log = this.#paths.log(name);
    mkdirSync(this.#paths.logDir, { recursive: true });
    mkdirSync(this.#paths.apiserverCertDir, { recursive: true });
    mkdirSync(this.#paths.controllerManagerCertDir, { recursive: true });
    appendFileSync(log, `==== certscrape-cluster: starting ${name} at ${new Date().toISOString()} ====\n`);
    ensureSigningFiles(this.#paths);
    const rec: ProcessRecord = startDetached(this.#command(name, state.plan), log);
    this.updateState((s) => (s.processes[name] = rec));
    const ca = readFileSync(this.#paths.caCert, 'utf8');
    if (name === 'etcd') {
      await waitReady(name, `${state.info.etcdClientUrl}/health`, rec, { timeoutMs: READY_TIMEOUTS_MS.etcd });
    } else if (name === 'kube-apiserver') {
      const tls = { ca, cert: readFileSync(this.#paths.adminCert, 'utf8'), key: readFileSync(this.#paths.adminKey, 'utf8') };
      await waitReady(name, `${state.info.server}/readyz`, rec, { tls, timeoutMs: READY_TIMEOUTS_MS['kube-apiserver'] });
    } else {
      await waitReady(name, `https://127.0.0.1:${state.plan.ports.controllerManager}/healthz`, rec, { tls: { ca }, timeoutMs: READY_TIMEOUTS_MS['kube-controller-manager'] });
    }
  }

  /** Stops one process and forgets it. */
  async stopProcess(name: ProcessName): Promise<void> {
    await stopProcess(this.#state().processes[name]);
    this.updateState((s) => delete s.processes[name]);
  }

  async down(): Promise<void> {
    await Promise.all([this.stopProcess('kube-controller-manager'), this.stopProcess('kube-apiserver')]);
    await this.stopProcess('etcd');
    this.updateState((s) => (s.status = 'down'));
  }

  stopApiserver(): Promise<void> {
    return this.stopProcess('kube-apiserver');
  }

  startApiserver(): Promise<void> {
    return this.startProcess('kube-apiserver');
  }

  async restartControllerManager(options: { signingDurationSeconds?: number } = {}): Promise<void> {
    await this.stopProcess('kube-controller-manager');
    const d = options.signingDurationSeconds;
    if (d !== undefined) {
      if (!Number.isSafeInteger(d) || d <= 0) throw new LocalClusterError('LOCAL_CLUSTER_ERR_ARGUMENT', `signingDurationSeconds must be a positive integer, got ${d}`);
      this.updateState((s) => {
        s.plan = { ...s.plan, signingDurationSeconds: d };
        s.info = { ...s.info, signingDurationSeconds: d };
      });
    }
    await this.startProcess('kube-controller-manager');
  }

  /** The client CA bundle kube-apiserver trusts now (its --client-ca-file), one PEM per certificate. */
  clientCaBundle(): string {
    return readFileSync(this.#paths.clientCaBundle, 'utf8');
  }

  async setClientCaBundle(certificatePems: readonly string[]): Promise<void> {
    if (certificatePems.length === 0) throw new LocalClusterError('LOCAL_CLUSTER_ERR_ARGUMENT', 'the client CA bundle needs at least one certificate');
    // Written next to the file and renamed over it: kube-apiserver never reads half a bundle.
    writeAtomically(this.#paths.clientCaBundle, joinPemBundle(certificatePems), 0o644);
  }

  republishClientCaBundle(): Promise<void> {
    return republishClientCa(this.#paths.adminKubeconfig, this.#paths.clientCaBundle);
  }

  async setSigningCa(ca: PemPair): Promise<void> {
    await this.stopProcess('kube-controller-manager');
    writeAtomically(this.#paths.signerKey, ca.keyPem, 0o600);
    writeAtomically(this.#paths.signerCert, ca.certPem, 0o644);
    await this.startProcess('kube-controller-manager');
  }

  stopControllerManager(): Promise<void> {
    return this.stopProcess('kube-controller-manager');
  }

  startControllerManager(): Promise<void> {
    return this.startProcess('kube-controller-manager');
  }

  async restartEtcd(): Promise<void> {
    await this.stopProcess('etcd');
    await this.startProcess('etcd');
  }

  serviceAccountKubeconfig(options: ServiceAccountKubeconfigOptions): Promise<string> {
    return writeServiceAccountKubeconfig(this.info, options);
  }
}

/** Writes `text` to `file` through a temporary file and a rename (readers see the old or the new content, never a mix). */
function writeAtomically(file: string, text: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

/** State dirs made before the client CA bundle and signing files existed: both start as the cluster CA. */
function ensureSigningFiles(paths: ClusterPaths): void {
  if (!existsSync(paths.caCert)) return;
  if (!existsSync(paths.clientCaBundle)) writeFileSync(paths.clientCaBundle, readFileSync(paths.caCert, 'utf8'), { mode: 0o644 });
  if (!existsSync(paths.signerCert)) writeFileSync(paths.signerCert, readFileSync(paths.caCert, 'utf8'), { mode: 0o644 });
  if (!existsSync(paths.signerKey) && existsSync(paths.caKey)) writeFileSync(paths.signerKey, readFileSync(paths.caKey, 'utf8'), { mode: 0o600 });
}
