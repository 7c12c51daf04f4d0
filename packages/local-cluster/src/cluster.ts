import { resolve } from 'node:path';
import { LocalClusterError } from './errors.js';
import { KindCluster, upKindCluster } from './kind-provider.js';
import { clusterPaths } from './layout.js';
import { LocalProcessCluster, runningProcesses, upLocalProcesses } from './local-provider.js';
import { isRunning } from './process.js';
import { PROCESS_NAMES, readStateFile, type ClusterStatus, type ProcessName } from './state.js';
import type { ClusterInfo, LocalCluster, ProviderName, UpOptions } from './types.js';

/**
 * Starts a cluster in `options.stateDir` and resolves once it is ready.
 * Provider 'local' (default): provisions binaries (scripts/provision.sh, or `options.binDir`), generates the PKI
 * with @certscrape/pkcs, starts etcd, kube-apiserver and kube-controller-manager detached on free ports (logs in
 * `<stateDir>/logs`), and waits for etcd /health, kube-apiserver /readyz (admin cert) and kube-controller-manager /healthz.
 * Fails with LOCAL_CLUSTER_ERR_STATE_DIR_LIVE if the state dir already holds a running cluster; a dead one is replaced.
 * On any failure, whatever was started is stopped again.
 */
export function upLocalCluster(options: UpOptions): Promise<LocalCluster> {
  const provider = options.provider ?? 'local';
  if (provider === 'local') return upLocalProcesses(options);
  if (provider === 'kind') return upKindCluster(options);
  throw new LocalClusterError('LOCAL_CLUSTER_ERR_ARGUMENT', `unknown provider ${JSON.stringify(provider)} (local or kind)`);
}

/** A handle on the cluster described by `<stateDir>/state.json` (written by `up`); LOCAL_CLUSTER_ERR_NO_STATE if there is none. */
export async function attachLocalCluster(stateDir: string): Promise<LocalCluster> {
  const paths = clusterPaths(resolve(stateDir));
  const state = readStateFile(paths.stateFile);
  if (!state) throw new LocalClusterError('LOCAL_CLUSTER_ERR_NO_STATE', `no cluster state in ${paths.stateDir} (run \`certscrape-cluster up --state-dir ${paths.stateDir}\`)`);
  return state.provider === 'kind' ? new KindCluster(paths) : new LocalProcessCluster(paths);
}

/** What `certscrape-cluster status` reports. `live`: every process runs (local) / not marked down (kind). */
export interface ClusterStatusReport {
  readonly stateDir: string;
  readonly exists: boolean;
  readonly provider?: ProviderName;
  readonly status?: ClusterStatus;
  readonly live: boolean;
  readonly processes?: Partial<Record<ProcessName, { pid: number; running: boolean; log: string }>>;
  readonly info?: ClusterInfo;
}

/** Reads the state of `stateDir` and checks each recorded pid (with its start time) against /proc. */
export async function clusterStatus(stateDir: string): Promise<ClusterStatusReport> {
  const paths = clusterPaths(resolve(stateDir));
  const state = readStateFile(paths.stateFile);
  if (!state) return { stateDir: paths.stateDir, exists: false, live: false };
  if (state.provider === 'kind') {
    return { stateDir: paths.stateDir, exists: true, provider: 'kind', status: state.status, live: state.status === 'running', info: state.info };
  }
  const processes: Partial<Record<ProcessName, { pid: number; running: boolean; log: string }>> = {};
  for (const n of PROCESS_NAMES) {
    const rec = state.processes[n];
    if (rec) processes[n] = { pid: rec.pid, running: isRunning(rec), log: rec.log };
  }
  return {
    stateDir: paths.stateDir,
    exists: true,
    provider: 'local',
    status: state.status,
    live: state.status === 'running' && runningProcesses(state).length === PROCESS_NAMES.length,
    processes,
    info: state.info,
  };
}
