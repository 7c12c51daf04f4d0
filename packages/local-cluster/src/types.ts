/** What a running cluster offers its users; printed by `certscrape-cluster up` and provided to tests as inject('localCluster'). */
export interface ClusterInfo {
  readonly stateDir: string;
  /** Admin kubeconfig (client certificate with O=system:masters), self-contained. */
  readonly kubeconfig: string;
  /** https://127.0.0.1:PORT (or the bind address, when that is a specific IP). */
  readonly server: string;
  /** Cluster CA (PEM file): serving CA, client CA (--client-ca-file) and CSR signing CA. */
  readonly caFile: string;
  readonly bindAddress: string;
  /** kube-controller-manager --cluster-signing-duration, in seconds. */
  readonly signingDurationSeconds: number;
  readonly etcdClientUrl: string;
  readonly etcdMetricsUrl?: string;
  readonly binDir: string;
  /** 'local' (processes on this host) or 'kind'. */
  readonly provider?: ProviderName;
  /** kube-apiserver --version, e.g. "Kubernetes v1.20.5+really1.20.2". */
  readonly kubernetesVersion?: string;
}

/** The providers behind the one API. */
export type ProviderName = 'local' | 'kind';

/** Options of upLocalCluster. */
export interface UpOptions {
  /** Where state, PKI, logs and etcd data live; created if missing. */
  stateDir: string;
  /** Lifetime of certificates kube-controller-manager signs; default 3600. */
  signingDurationSeconds?: number;
  /** kube-apiserver --bind-address; default 127.0.0.1. A specific IP is added to the serving certificate. */
  bindAddress?: string;
  /** Progress lines ("which step, how long so far"); default: discarded. */
  onProgress?: (line: string) => void;
  /** default 'local'. */
  provider?: ProviderName;
  /** Use these binaries instead of running scripts/provision.sh (local provider). */
  binDir?: string;
  /** kind provider: cluster name (default derived from the state dir), node image, kind executable (default 'kind'). */
  kind?: { name?: string; image?: string; binary?: string };
}

/** Options of LocalCluster.serviceAccountKubeconfig. */
export interface ServiceAccountKubeconfigOptions {
  namespace: string;
  name: string;
  /** File to write (mode 0600). */
  out: string;
  /** TokenRequest expirationSeconds; default 86400. */
  expirationSeconds?: number;
}

/** A handle on a running cluster (from upLocalCluster or attachLocalCluster). */
export interface LocalCluster {
  readonly info: ClusterInfo;
  /** Stops every process it started (by pid, process groups, waiting until gone); idempotent. */
  down(): Promise<void>;
  /** Stops kube-apiserver only (outage tests); etcd and kube-controller-manager keep running. */
  stopApiserver(): Promise<void>;
  /** Starts kube-apiserver again on the same port with the same flags; resolves once /readyz answers 200. No-op if running. */
  startApiserver(): Promise<void>;
  /** Restarts kube-controller-manager, optionally with a new --cluster-signing-duration; resolves once /healthz answers 200. */
  restartControllerManager(options?: { signingDurationSeconds?: number }): Promise<void>;
  /** Stops kube-controller-manager only (no CSR is signed until it starts again); etcd and kube-apiserver keep running. */
  stopControllerManager(): Promise<void>;
  /** Starts kube-controller-manager again with the same flags; resolves once /healthz answers 200. No-op if running. */
  startControllerManager(): Promise<void>;
  /** Stops etcd and starts it again on the same data dir and ports; resolves once etcd /health answers 200 (kube-apiserver reconnects by itself). */
  restartEtcd(): Promise<void>;
  /** Creates the namespace and service account if needed, requests a token (TokenRequest), writes a kubeconfig for it to `out`, returns `out`. */
  serviceAccountKubeconfig(options: ServiceAccountKubeconfigOptions): Promise<string>;
}
