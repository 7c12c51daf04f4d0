// The `kind` variant of the scenario: the same story with the apps as pods (images from the
// repository's one Dockerfile) and the cut done by a NetworkPolicy. NOT exercised here: these
// machines have no Docker engine. What is here is the command construction, type-checked and
// unit-tested, so that someone with Docker + kind + kubectl can run the steps in order:
//   1. `certscrape-cluster up --provider kind --state-dir D` (the local-cluster kind provider),
//   2. the build/load/apply/rollout steps of kindSetupSteps(),
//   3. kubectl get endpoints kubernetes -> the apiserver addresses, then kindCutSteps() / kindRestoreSteps().
// Caveats, stated plainly: NetworkPolicy needs an enforcing CNI (kind >= 0.24's kindnet, or Calico);
// deploy/samples/example-exporter has no token fallback, so the token control group needs an
// extra --kubeconfig on that sidecar; the Prometheus in deploy/samples/example-prometheus does the scraping.
import { stringify } from 'yaml';
import type { Argv } from './run-command.js';

/** The apps with an image (the Dockerfile's `APP` build argument). */
export const KIND_APPS = ['csr-approver', 'monitoring-operator', 'scraper-proxy', 'target-auth'] as const;

/** `docker build` arguments selecting the public Node.js base for both Dockerfile stages. */
export const PUBLIC_BASE_ARGS = ['--build-arg', 'BASE=docker.io/library/node:24-bookworm-slim', '--build-arg', 'BUILD_BASE=docker.io/library/node:24-bookworm-slim'] as const;

/** One step: what it does and the command (stdin when the command reads a manifest). */
export interface KindStep {
  readonly what: string;
  readonly argv: Argv;
  readonly stdin?: string;
}

/** Options of the kind variant. */
export interface KindVariantOptions {
  /** kind cluster name (from the local-cluster kind provider). */
  readonly clusterName: string;
  /** Admin kubeconfig of that cluster. */
  readonly kubeconfig: string;
  /** Image tag; default 0.1.0 — the tag deploy/ references, so the manifests apply unchanged. */
  readonly tag?: string;
  /** Namespace of the system and the example target; default `monitoring`. */
  readonly namespace?: string;
}

/** The image name deploy/ uses for `app`. */
export function kindImage(app: (typeof KIND_APPS)[number], tag = '0.1.0'): string {
  return `ghcr.io/certscrape/${app}:${tag}`;
}

/** Build the images, load them into the kind nodes, apply deploy/, wait for the rollouts. Run from the repository root. */
export function kindSetupSteps(o: KindVariantOptions): KindStep[] {
  const tag = o.tag ?? '0.1.0';
  const ns = o.namespace ?? 'monitoring';
  const kubectl = (...args: string[]): Argv => ['kubectl', `--kubeconfig=${o.kubeconfig}`, ...args];
  return [
    // The one Dockerfile, from the public Node base (a Docker host reaches a registry; the local
    // base of scripts/build-base-image.sh is for registry-less machines).
    ...KIND_APPS.map((app) => ({ what: `build ${app}`, argv: ['docker', 'build', ...PUBLIC_BASE_ARGS, '--build-arg', `APP=${app}`, '-f', 'Dockerfile', '-t', kindImage(app, tag), '.'] as Argv })),
    ...KIND_APPS.map((app) => ({ what: `load ${app} into kind`, argv: ['kind', 'load', 'docker-image', kindImage(app, tag), '--name', o.clusterName] as Argv })),
    { what: 'apply deploy/ (the whole system)', argv: kubectl('apply', '-k', 'deploy/') },
    ...['csr-approver', 'monitoring-operator', 'example-exporter'].map((d) => ({ what: `wait for ${d}`, argv: kubectl('-n', ns, 'rollout', 'status', `deployment/${d}`, '--timeout=180s') })),
    { what: 'wait for the client certificate Secret', argv: kubectl('-n', ns, 'wait', '--for=jsonpath={.type}=kubernetes.io/tls', 'secret/metrics-client-certs', '--timeout=120s') },
    { what: 'read the apiserver endpoints (addresses for the cut)', argv: kubectl('get', 'endpoints', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.subsets[*].addresses[*].ip} {.subsets[*].ports[*].port}') },
  ];
}

/** Name of the NetworkPolicy that cuts the target off from kube-apiserver. */
export const CUT_POLICY_NAME = 'certscrape-e2e-cut-apiserver';

/**
 * The cut as a NetworkPolicy (pure): pods matching `podLabels` may send anything anywhere
 * except to the apiserver addresses (the `kubernetes` Service's endpoints, and its ClusterIP for
 * CNIs that match before DNAT). Ingress is left alone, so scrapes still arrive.
 */
export function cutNetworkPolicy(options: { namespace: string; podLabels: Readonly<Record<string, string>>; apiserverAddresses: readonly string[] }): string {
  return stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: CUT_POLICY_NAME, namespace: options.namespace },
    spec: {
      podSelector: { matchLabels: { ...options.podLabels } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: options.apiserverAddresses.map((a) => `${a}/32`) } }] }],
    },
  });
}

/** Apply the cut to the example target (deploy/samples/example-exporter's pods). */
export function kindCutSteps(o: KindVariantOptions, apiserverAddresses: readonly string[]): KindStep[] {
  const namespace = o.namespace ?? 'monitoring';
  return [
    {
      what: 'cut: NetworkPolicy denying the target egress to kube-apiserver',
      argv: ['kubectl', `--kubeconfig=${o.kubeconfig}`, 'apply', '-f', '-'],
      stdin: cutNetworkPolicy({ namespace, podLabels: { 'app.kubernetes.io/name': 'target-auth' }, apiserverAddresses }),
    },
  ];
}

/** Lift the cut. */
export function kindRestoreSteps(o: KindVariantOptions): KindStep[] {
  return [{ what: 'restore: delete the cut NetworkPolicy', argv: ['kubectl', `--kubeconfig=${o.kubeconfig}`, '-n', o.namespace ?? 'monitoring', 'delete', 'networkpolicy', CUT_POLICY_NAME, '--ignore-not-found'] }];
}
