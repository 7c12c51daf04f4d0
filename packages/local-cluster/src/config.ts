import { parseDurationSeconds } from './duration.js';

/** The environment variables this package honours; read here and nowhere else. */
export interface LocalClusterEnvironment {
  /** CERTSCRAPE_K8S_BIN_DIR: prebuilt kube-apiserver + kube-controller-manager (+ optional etcd); skips provisioning. */
  readonly k8sBinDir: string | undefined;
  /** CERTSCRAPE_CLUSTER_STATE_DIR: a running cluster the vitest global setup reuses (and the CLI's default --state-dir). */
  readonly clusterStateDir: string | undefined;
  /** CERTSCRAPE_CLUSTER_SIGNING_DURATION ("10m", "3600"): signing duration of the cluster the global setup starts. */
  readonly signingDurationSeconds: number | undefined;
}

/** Reads LocalClusterEnvironment from `env` (default process.env); empty values count as unset. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): LocalClusterEnvironment {
  const v = (k: string): string | undefined => (env[k] && env[k]!.trim() !== '' ? env[k]!.trim() : undefined);
  const d = v('CERTSCRAPE_CLUSTER_SIGNING_DURATION');
  return {
    k8sBinDir: v('CERTSCRAPE_K8S_BIN_DIR'),
    clusterStateDir: v('CERTSCRAPE_CLUSTER_STATE_DIR'),
    signingDurationSeconds: d === undefined ? undefined : parseDurationSeconds(d),
  };
}
