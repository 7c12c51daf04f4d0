import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { LocalClusterError } from './errors.js';
import type { ClusterPlan } from './flags.js';
import type { ProcessRecord } from './process.js';
import type { ClusterInfo } from './types.js';

/** The processes of the local provider, in start order. */
export const PROCESS_NAMES = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;
/** One of PROCESS_NAMES. */
export type ProcessName = (typeof PROCESS_NAMES)[number];

/** Lifecycle recorded in the state file. */
export type ClusterStatus = 'starting' | 'running' | 'down' | 'failed';

/** state.json of the local provider. */
export interface LocalStateFile {
  readonly version: 1;
  readonly provider: 'local';
  status: ClusterStatus;
  info: ClusterInfo;
  plan: ClusterPlan;
  processes: Partial<Record<ProcessName, ProcessRecord>>;
  updatedAt: string;
}

/** state.json of the kind provider. */
export interface KindStateFile {
  readonly version: 1;
  readonly provider: 'kind';
  status: ClusterStatus;
  info: ClusterInfo;
  kind: { readonly name: string; readonly binary: string };
  updatedAt: string;
}

/** Either provider's state file. */
export type StateFile = LocalStateFile | KindStateFile;

/** Reads state.json; undefined when there is none; LOCAL_CLUSTER_ERR_STATE_INVALID when it is not ours. */
export function readStateFile(file: string): StateFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_STATE_INVALID', `cannot read ${file}`, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_STATE_INVALID', `${file} is not JSON`, { cause });
  }
  const s = parsed as Partial<StateFile> | null;
  if (!s || s.version !== 1 || (s.provider !== 'local' && s.provider !== 'kind') || typeof s.info !== 'object') {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_STATE_INVALID', `${file} is not a certscrape-cluster state file`);
  }
  return s as StateFile;
}

/** Writes state.json atomically (temp file + rename), stamping updatedAt. */
export function writeStateFile(file: string, state: StateFile): void {
  state.updatedAt = new Date().toISOString();
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o644 });
  renameSync(tmp, file);
}
