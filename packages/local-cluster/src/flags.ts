import { formatGoDuration } from './duration.js';
import type { ClusterPaths } from './layout.js';

/** The controllers kube-controller-manager runs. Never `csrapproving`: our own approver decides. */
export const CONTROLLERS = ['csrsigning', 'csrcleaner', 'serviceaccount-token', 'serviceaccount', 'namespace'] as const;

/** Issuer and audience of service-account tokens (TokenRequest). */
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** The service CIDR; kube-apiserver allocates 10.0.0.1 to the `kubernetes` service from it (no routing involved). */
export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';

/** Ports chosen at `up` time and kept for the life of the cluster (restarts reuse them). */
export interface ClusterPorts {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly etcdMetrics: number;
  readonly apiserver: number;
  readonly controllerManager: number;
}

/** What one Kubernetes minor supports; `legacyInsecurePorts` = 1.20-1.23 still open plain-HTTP ports unless told `--port=0`. */
export interface KubeVersion {
  readonly major: number;
  readonly minor: number;
  readonly raw: string;
}

/** Everything needed to (re)build the command lines of a local cluster: pure data, stored in the state file. */
export interface ClusterPlan {
  readonly bindAddress: string;
  readonly signingDurationSeconds: number;
  readonly ports: ClusterPorts;
  readonly binaries: { readonly etcd: string; readonly kubeApiserver: string; readonly kubeControllerManager: string };
  readonly kubeVersion: KubeVersion;
}

/** One process to start: executable plus arguments. */
export interface CommandSpec {
  readonly command: string;
  readonly args: readonly string[];
}

/** Parses `kube-apiserver --version` output ("Kubernetes v1.20.5+really1.20.2"); an unparseable or v0.0.0 build counts as 1.20 (Debian's). */
export function parseKubeVersion(output: string): KubeVersion {
  const m = /v(\d+)\.(\d+)/.exec(output);
  const raw = output.trim();
  if (!m || (m[1] === '0' && m[2] === '0')) return { major: 1, minor: 20, raw };
  return { major: Number(m[1]), minor: Number(m[2]), raw };
}

/** True for 1.20-1.23, whose `--insecure-port` (apiserver) and `--port` (controller-manager) flags exist and are closed here with 0. */
export function hasLegacyInsecurePorts(v: KubeVersion): boolean {
  return v.major === 1 && v.minor < 24;
}

/** The host clients use to reach kube-apiserver: the bind address, or 127.0.0.1 when it is unspecified (0.0.0.0 / ::). */
export function serverHost(bindAddress: string): string {
  return bindAddress === '0.0.0.0' || bindAddress === '::' ? '127.0.0.1' : bindAddress;
}

/** `https://HOST:PORT`, with IPv6 literals bracketed. */
export function serverUrl(bindAddress: string, port: number): string {
  const host = serverHost(bindAddress);
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** etcd: plain HTTP on loopback only (never on the bind address), data under the state dir. */
export function etcdCommand(plan: ClusterPlan, paths: ClusterPaths): CommandSpec {
  const client = `http://127.0.0.1:${plan.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${plan.ports.etcdPeer}`;
  return {
    command: plan.binaries.etcd,
    args: [
      '--name=certscrape',
      `--data-dir=${paths.etcdDataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=certscrape=${peer}`,
      '--initial-cluster-state=new',
      `--listen-metrics-urls=http://127.0.0.1:${plan.ports.etcdMetrics}`,
      '--log-level=warn',
    ],
  };
}

/** kube-apiserver: client-cert authn against the client CA bundle (the cluster CA and any signing CA; reloaded when the file changes), Node+RBAC authz, TokenRequest enabled. */
export function apiserverCommand(plan: ClusterPlan, paths: ClusterPaths): CommandSpec {
  const args = [
    `--bind-address=${plan.bindAddress}`,
    `--advertise-address=${serverHost(plan.bindAddress)}`,
    `--secure-port=${plan.ports.apiserver}`,
    `--etcd-servers=http://127.0.0.1:${plan.ports.etcdClient}`,
    `--cert-dir=${paths.apiserverCertDir}`,
    `--tls-cert-file=${paths.apiserverCert}`,
    `--tls-private-key-file=${paths.apiserverKey}`,
    `--client-ca-file=${paths.clientCaBundle}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,NodeRestriction',
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${paths.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${paths.serviceAccountKey}`,
    `--api-audiences=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    // The `kubernetes` Endpoints would hold the (loopback) advertise address, which validation rejects.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=false',
    '--profiling=false',
  ];
  if (hasLegacyInsecurePorts(plan.kubeVersion)) args.push('--insecure-port=0');
  return { command: plan.binaries.kubeApiserver, args };
}

/** kube-controller-manager: only the controllers in CONTROLLERS, signing with the signing CA files (the cluster CA unless a separate one is used) for the plan's duration. */
export function controllerManagerCommand(plan: ClusterPlan, paths: ClusterPaths): CommandSpec {
  const args = [
    `--kubeconfig=${paths.controllerManagerKubeconfig}`,
    `--authentication-kubeconfig=${paths.controllerManagerKubeconfig}`,
    `--authorization-kubeconfig=${paths.controllerManagerKubeconfig}`,
    `--controllers=${CONTROLLERS.join(',')}`,
    `--cluster-signing-cert-file=${paths.signerCert}`,
    `--cluster-signing-key-file=${paths.signerKey}`,
    `--cluster-signing-duration=${formatGoDuration(plan.signingDurationSeconds)}`,
    '--use-service-account-credentials=false',
    `--root-ca-file=${paths.caCert}`,
    `--service-account-private-key-file=${paths.serviceAccountKey}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${plan.ports.controllerManager}`,
    `--cert-dir=${paths.controllerManagerCertDir}`,
    `--tls-cert-file=${paths.controllerManagerServingCert}`,
    `--tls-private-key-file=${paths.controllerManagerServingKey}`,
    '--profiling=false',
  ];
  if (hasLegacyInsecurePorts(plan.kubeVersion)) args.push('--port=0');
  return { command: plan.binaries.kubeControllerManager, args };
}
