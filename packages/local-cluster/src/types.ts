/** What a running cluster offers its users; printed by `certscrape-cluster up` and provided to tests as inject('localCluster'). */
export interface ClusterInfo {
  readonly stateDir: string;
  /** Admin kubeconfig (client certificate with O=system:masters), self-contained. */
  readonly kubeconfig: string;
  /** https://127.0.0.1:PORT (or the bind address, when that is a specific IP). */
  readonly server: string;
  /** Cluster CA (PEM file): serving CA and client CA; also the CSR signing CA unless `up` made a separate one. */
  readonly caFile: string;
  /** kube-apiserver --client-ca-file (local provider): the cluster CA plus the signing CA(s); what kube-system/extension-apiserver-authentication publishes as client-ca-file. */
  readonly clientCaBundleFile?: string;
  /** kube-controller-manager --cluster-signing-cert-file (local provider). */
  readonly signingCaFile?: string;
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
  /**
   * Local provider: sign CSRs with a CA of its own (CN certscrape-local-cluster-signer) instead of
   * the cluster CA; the client CA bundle holds both. Needed to rotate the signing CA out of the
   * bundle without locking out the admin and kube-controller-manager client certificates.
   */
  separateSigningCa?: boolean;
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
  /** The client CA bundle kube-apiserver trusts now (--client-ca-file), as PEM. Local provider only. */
  clientCaBundle(): string;
  /**
   * Replaces kube-apiserver's client CA bundle (--client-ca-file) with these certificates, by an
   * atomic rename; kube-apiserver reloads the file without a restart and republishes it in
   * kube-system/extension-apiserver-authentication. Local provider only.
   */
  setClientCaBundle(certificatePems: readonly string[]): Promise<void>;
  /**
   * Makes kube-system/extension-apiserver-authentication hold exactly the current bundle: kube-apiserver
   * only ever adds CAs to it (removing one from the file does not unpublish it), so this deletes the
   * ConfigMap and waits until kube-apiserver has written it afresh with exactly the file's
   * certificates, deleting again while kube-apiserver has not re-read the file yet (about once a
   * minute). Local provider only.
   */
  republishClientCaBundle(): Promise<void>;
  /** Makes kube-controller-manager sign CSRs with `ca` (rewrites its signing files, restarts it; resolves once /healthz answers). Local provider only. */
  setSigningCa(ca: { readonly certPem: string; readonly keyPem: string }): Promise<void>;
  /** Creates the namespace and service account if needed, requests a token (TokenRequest), writes a kubeconfig for it to `out`, returns `out`. */
  serviceAccountKubeconfig(options: ServiceAccountKubeconfigOptions): Promise<string>;
}
