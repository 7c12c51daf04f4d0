// certscrape beside kube-prometheus, on the real local control plane: the base is applied on top
// of a kube-prometheus-shaped namespace (its Namespace and labels, ServiceAccount prometheus-k8s
// with token automount on, a hostPID/hostNetwork node-exporter DaemonSet, its RBAC) and changes
// none of it; deleting certscrape the way `kubectl delete -k deploy/` does removes certscrape's
// objects and nothing of theirs — the namespace stays.
import { execFileSync } from 'node:child_process';
import { ApiException, CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor } from '@certscrape/local-cluster/testing';
import { applyObjects, forServer, renderDeploy } from './support/apply-manifests.js';
import { DeployFixture, NS } from './support/deploy-fixture.js';
import { KUBECTL_AVAILABLE } from './support/deploy-kubectl.js';
import { objectId, parseObjects } from './support/kustomize.js';
import type { KubeObject } from './support/kustomize.js';

/** kube-prometheus's objects this test stands in for (shapes from its manifests: setup/namespace.yaml, prometheus-serviceAccount.yaml, nodeExporter-daemonset.yaml, prometheus-clusterRole*.yaml). */
const KUBE_PROMETHEUS = parseObjects(
  `apiVersion: v1
kind: Namespace
metadata:
  name: ${NS}
  labels:
    pod-security.kubernetes.io/warn: privileged
    pod-security.kubernetes.io/warn-version: latest
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: prometheus-k8s
  namespace: ${NS}
  labels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/instance: k8s, app.kubernetes.io/part-of: kube-prometheus}
automountServiceAccountToken: true
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: node-exporter
  namespace: ${NS}
  labels: {app.kubernetes.io/name: node-exporter, app.kubernetes.io/part-of: kube-prometheus}
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
  namespace: ${NS}
  labels: {app.kubernetes.io/name: node-exporter, app.kubernetes.io/part-of: kube-prometheus}
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: node-exporter, app.kubernetes.io/part-of: kube-prometheus}
  template:
    metadata:
      labels: {app.kubernetes.io/name: node-exporter, app.kubernetes.io/part-of: kube-prometheus}
    spec:
      serviceAccountName: node-exporter
      hostPID: true
      hostNetwork: true
      containers:
        - name: node-exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          args: ["--web.listen-address=127.0.0.1:9100", "--path.procfs=/host/proc"]
          volumeMounts: [{name: proc, mountPath: /host/proc, readOnly: true}]
      volumes: [{name: proc, hostPath: {path: /proc}}]
---
apiVersion: v1
kind: Service
metadata:
  name: prometheus-k8s
  namespace: ${NS}
  labels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/part-of: kube-prometheus}
spec:
  selector: {app.kubernetes.io/name: prometheus}
  ports: [{name: web, port: 9090, protocol: TCP}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: prometheus-k8s
  labels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/part-of: kube-prometheus}
rules:
  - {nonResourceURLs: ["/metrics"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: prometheus-k8s
  labels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/part-of: kube-prometheus}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: prometheus-k8s}
subjects: [{kind: ServiceAccount, name: prometheus-k8s, namespace: ${NS}}]
`,
  'kube-prometheus (test stand-in)',
);

const rendered = renderDeploy();
/** The base as this server takes it (1.20: PodDisruptionBudget as policy/v1beta1, see forServer). */
let base: KubeObject[];
let fx: DeployFixture;
let objects: KubernetesObjectApi;

const ref = (o: KubeObject): KubernetesObject & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } });
const read = (o: KubeObject) => objects.read(ref(o));
async function exists(o: KubeObject): Promise<boolean> {
  try {
    await read(o);
    return true;
  } catch (e) {
    if (e instanceof ApiException && e.code === 404) return false;
    throw e;
  }
}

/** What must not change about one of their objects: its resourceVersion covers every field; the rest makes a failure readable. */
async function snapshot(o: KubeObject): Promise<Record<string, unknown>> {
  const live = (await read(o)) as KubernetesObject & Record<string, unknown>;
  return {
    resourceVersion: live.metadata?.resourceVersion,
    labels: live.metadata?.labels,
    deletionTimestamp: live.metadata?.deletionTimestamp,
    automountServiceAccountToken: live['automountServiceAccountToken'],
    managers: (live.metadata?.managedFields ?? []).map((m) => m.manager).sort(),
  };
}

beforeAll(async () => {
  fx = await DeployFixture.open();
  objects = KubernetesObjectApi.makeApiClient(fx.admin);
  base = await forServer(fx.admin, rendered);
  // Other suites of this run may have created `monitoring` from components/bare-cluster: start from
  // a cluster where kube-prometheus made the namespace.
  const core = fx.admin.makeApiClient(CoreV1Api);
  await core.deleteNamespace({ name: NS }).catch((e: unknown) => {
    if (!(e instanceof ApiException && e.code === 404)) throw e;
  });
  await waitFor(async () => ((await core.readNamespace({ name: NS }).then(() => true, () => false)) ? undefined : true), { what: `namespace ${NS} deleted by the namespace controller`, timeoutMs: 180_000 });
  await applyObjects(fx.admin, KUBE_PROMETHEUS, { fieldManager: 'kube-prometheus' });
  await fx.settleServiceAccounts(KUBE_PROMETHEUS);
});

afterAll(async () => {
  await fx?.close();
});

describe('certscrape beside kube-prometheus', () => {
  it('the base shares no object with the monitoring stack it joins: no Namespace, no prometheus-k8s ServiceAccount, no name of theirs', () => {
    const theirs = new Set(KUBE_PROMETHEUS.map(objectId));
    expect(rendered.map(objectId).filter((id) => theirs.has(id))).toEqual([]);
    expect(rendered.filter((o) => o.kind === 'Namespace')).toEqual([]);
    // Nothing of certscrape is selectable by kube-prometheus's part-of label, and the reverse.
    expect(rendered.every((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'certscrape')).toBe(true);
  });

  it('applying the base changes nothing of theirs; deleting certscrape like `kubectl delete -k deploy/` removes only certscrape, and the namespace stays', async () => {
    const before = new Map<string, Record<string, unknown>>();
    for (const o of KUBE_PROMETHEUS) before.set(objectId(o), await snapshot(o));

    // When: certscrape is installed into their namespace.
    await applyObjects(fx.admin, base);
    for (const o of base) expect(await exists(o), objectId(o)).toBe(true);
    // Then: every object of theirs is byte-for-byte what it was (same resourceVersion, no new field manager).
    for (const o of KUBE_PROMETHEUS) expect(await snapshot(o), objectId(o)).toEqual(before.get(objectId(o)));

    // When: certscrape is deleted.
    if (KUBECTL_AVAILABLE) {
      // kubectl's own delete of exactly the objects `kubectl delete -k deploy/` names (fed as YAML:
      // kubectl 1.32 cannot map policy/v1 PDBs on this 1.20 server, see forServer).
      const out = execFileSync('kubectl', [`--kubeconfig=${fx.info.kubeconfig}`, 'delete', '-f', '-', '--wait=true'], { input: base.map((o) => stringify(o)).join('---\n'), encoding: 'utf8' });
      expect(out).toMatch(/deployment.apps "csr-approver" deleted/);
      expect(out).not.toMatch(/"monitoring"|"prometheus-k8s"|node-exporter/);
    } else {
      // The same semantics without kubectl: delete exactly the rendered objects.
      for (const o of [...base].reverse()) await objects.delete(ref(o));
    }
    await waitFor(async () => ((await Promise.all(base.map(exists))).some(Boolean) ? undefined : true), { what: 'every certscrape object deleted', timeoutMs: 60_000 });

    // Then: theirs are untouched and the namespace is not terminating.
    for (const o of KUBE_PROMETHEUS) expect(await snapshot(o), objectId(o)).toEqual(before.get(objectId(o)));
    const ns = await fx.admin.makeApiClient(CoreV1Api).readNamespace({ name: NS });
    expect(ns.status?.phase).toBe('Active');
    expect(ns.metadata?.deletionTimestamp).toBeUndefined();
  });
});
