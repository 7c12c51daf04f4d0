// The operator's integration tests run with exactly deploy/monitoring-operator's RBAC: after the
// harness grants it, everything the cluster grants the operator's service account (every
// RoleBinding and ClusterRoleBinding naming it, and the rules of what they bind) is diffed against
// the manifests rendered straight from deploy/ — nothing more, nothing less.
import { beforeAll, describe, expect, it } from 'vitest';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { renderKustomization, type KubeObject } from '@certscrape/local-cluster';
import { DEPLOY_DIR, localClusterFromInject } from '@certscrape/local-cluster/testing';
import { adminClients, grantOperator, OPERATOR_SA, uniqueNamespace, type Admin } from './test-support/harness.js';

const NS = uniqueNamespace('mo-rbac');
let admin: Admin;

const isOperatorSa = (s: { kind: string; name: string; namespace?: string }) => s.kind === 'ServiceAccount' && s.name === OPERATOR_SA.name && s.namespace === OPERATOR_SA.namespace;
/** Rules in a canonical form (sorted fields and rules), so order in YAML does not matter. */
const canonical = (rules: readonly V1PolicyRule[] | undefined) =>
  (rules ?? [])
    .map((r) => JSON.stringify({ apiGroups: [...(r.apiGroups ?? [])].sort(), resources: [...(r.resources ?? [])].sort(), resourceNames: [...(r.resourceNames ?? [])].sort(), verbs: [...r.verbs].sort(), nonResourceURLs: [...(r.nonResourceURLs ?? [])].sort() }))
    .sort();

/** `scope -> canonical rules` of every grant to the operator SA in the rendered manifests; `scope` is `cluster` or the binding's namespace. */
function renderedGrants(namespace: string): Map<string, string[]> {
  // The base as `kubectl apply -k deploy/` installs it; the operator's objects carry its name label.
  const objects = renderKustomization(DEPLOY_DIR).filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'monitoring-operator');
  const roles = new Map(objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
  const grants = new Map<string, string[]>();
  for (const b of objects.filter((o): o is KubeObject & { subjects: { kind: string; name: string; namespace?: string }[]; roleRef: { kind: string; name: string } } => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    if (!b.subjects.some(isOperatorSa)) continue;
    const bindingNs = b.kind === 'ClusterRoleBinding' ? undefined : b.metadata.namespace;
    const role = roles.get(`${b.roleRef.kind}/${b.roleRef.kind === 'Role' ? bindingNs : ''}/${b.roleRef.name}`);
    if (!role) throw new Error(`rendered ${b.kind} ${b.metadata.name} binds a role that deploy/ does not define`);
    // The harness moves the component's own namespace (monitoring) to the test namespace; kube-system stays.
    const scope = bindingNs === undefined ? 'cluster' : bindingNs === 'monitoring' ? namespace : bindingNs;
    grants.set(scope, [...(grants.get(scope) ?? []), ...canonical((role as { rules?: V1PolicyRule[] }).rules)].sort());
  }
  return grants;
}

/** The same, read back from the cluster. */
async function clusterGrants(namespaces: readonly string[]): Promise<Map<string, string[]>> {
  const grants = new Map<string, string[]>();
  const add = (scope: string, rules: V1PolicyRule[] | undefined) => grants.set(scope, [...(grants.get(scope) ?? []), ...canonical(rules)].sort());
  for (const crb of (await admin.rbac.listClusterRoleBinding()).items) {
    if (!(crb.subjects ?? []).some(isOperatorSa)) continue;
    add('cluster', (await admin.rbac.readClusterRole({ name: crb.roleRef.name })).rules);
  }
  for (const ns of namespaces) {
    for (const rb of (await admin.rbac.listNamespacedRoleBinding({ namespace: ns })).items) {
      if (!(rb.subjects ?? []).some(isOperatorSa)) continue;
      const rules = rb.roleRef.kind === 'ClusterRole' ? (await admin.rbac.readClusterRole({ name: rb.roleRef.name })).rules : (await admin.rbac.readNamespacedRole({ name: rb.roleRef.name, namespace: ns })).rules;
      add(ns, rules);
    }
  }
  return grants;
}

beforeAll(async () => {
  admin = adminClients(localClusterFromInject());
  await grantOperator(admin, NS);
});

describe("the harness grants exactly deploy/monitoring-operator's RBAC", () => {
  it('every grant to the operator service account in the cluster equals the rendered manifests', async () => {
    const want = renderedGrants(NS);
    expect(want.size).toBeGreaterThanOrEqual(3); // cluster (CSRs), kube-system (client CA), the namespace
    const got = await clusterGrants([NS, 'kube-system', 'monitoring']);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
  });
});
