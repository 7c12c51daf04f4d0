import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectId, renderKustomization } from './kustomize.js';
import type { KubeObject } from './kustomize.js';
import { KUBECTL_AVAILABLE, kubectlKustomize } from './deploy-kubectl.js';
import { BASE_PARTS, DEPLOY_COMPONENTS, DEPLOY_DIR, DEPLOY_SAMPLES, renderDeploy, withOverlay } from './apply-manifests.js';

const base = renderDeploy();
const kinds = (objects: readonly KubeObject[]) => objects.map((o) => o.kind);

describe('deploy/ (the base) coexists with a monitoring stack', () => {
  it('owns no Namespace and no ServiceAccount prometheus-k8s (kube-prometheus owns them); the bare-cluster component adds exactly those two', () => {
    expect(kinds(base)).not.toContain('Namespace');
    expect(base.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name).sort()).toEqual(['csr-approver', 'monitoring-operator']);
    const bare = renderDeploy({ components: ['bare-cluster'] });
    const added = bare.map(objectId).filter((id) => !base.map(objectId).includes(id));
    expect(added.sort()).toEqual(['/Namespace//monitoring', '/ServiceAccount/monitoring/prometheus-k8s']);
  });

  /** What a component patches in the base (everything else of the base must render unchanged). */
  const PATCHED: Readonly<Record<(typeof DEPLOY_COMPONENTS)[number], readonly string[]>> = {
    'bare-cluster': [],
    monitoring: [],
    // --identities-file instead of the single-identity flags, and the ConfigMap mounted (docs/identities.md).
    'user-workload': ['apps/Deployment/monitoring/csr-approver', 'apps/Deployment/monitoring/monitoring-operator'],
  };
  it.each(DEPLOY_COMPONENTS.map((c) => [c]))('components/%s only adds objects: every object of the base it does not patch renders exactly as without it', (c) => {
    const withComponent = new Map(renderDeploy({ components: [c] }).map((o) => [objectId(o), o]));
    for (const o of base) {
      if (PATCHED[c].includes(objectId(o))) expect(withComponent.get(objectId(o)), objectId(o)).not.toEqual(o);
      else expect(withComponent.get(objectId(o)), objectId(o)).toEqual(o);
    }
  });

  it('ships no sample in the base: every Deployment is a certscrape controller, every image ghcr.io/certscrape/<app>', () => {
    const deployments = base.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['csr-approver', 'monitoring-operator']);
    for (const d of deployments) {
      const images = (d['spec'] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers.map((c) => c.image);
      expect(images).toEqual([expect.stringMatching(/^ghcr\.io\/certscrape\/(csr-approver|monitoring-operator):/)]);
    }
  });

  it('names the namespace once: every namespaced object is in monitoring except the two grants that must live in kube-system and default', () => {
    const elsewhere = base.filter((o) => o.metadata.namespace !== undefined && o.metadata.namespace !== 'monitoring').map(objectId).sort();
    expect(elsewhere).toEqual([
      'rbac.authorization.k8s.io/Role/default/certscrape-csr-approver-events',
      'rbac.authorization.k8s.io/Role/kube-system/certscrape-monitoring-operator-client-ca-reader',
      'rbac.authorization.k8s.io/RoleBinding/default/certscrape-csr-approver-events',
      'rbac.authorization.k8s.io/RoleBinding/kube-system/certscrape-monitoring-operator-client-ca-reader',
    ]);
    // ... and no part hard-codes `monitoring`: the transformer fills it in.
    for (const part of BASE_PARTS) {
      for (const o of renderKustomization(join(DEPLOY_DIR, part))) expect(o.metadata.namespace ?? '', objectId(o)).not.toBe('monitoring');
    }
  });

  it('PodDisruptionBudget and preferred anti-affinity for both two-replica controllers, selecting exactly their pods', () => {
    for (const app of ['csr-approver', 'monitoring-operator']) {
      const d = base.find((o) => o.kind === 'Deployment' && o.metadata.name === app) as KubeObject;
      const spec = d['spec'] as { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: { affinity: unknown } } };
      expect(spec.replicas).toBe(2);
      const pdb = base.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === app) as KubeObject;
      expect(pdb['spec']).toEqual({ minAvailable: 1, selector: { matchLabels: spec.selector.matchLabels } });
      expect(spec.template.spec.affinity).toEqual({
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: spec.selector.matchLabels } } }] },
      });
    }
  });

  it('NetworkPolicy: each controller accepts only Prometheus pods, only on its HTTPS metrics port', () => {
    for (const app of ['csr-approver', 'monitoring-operator']) {
      const np = base.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === app) as KubeObject;
      expect(np['spec']).toEqual({
        podSelector: { matchLabels: { 'app.kubernetes.io/name': app } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ protocol: 'TCP', port: 'https-metrics' }] }],
      });
      const d = base.find((o) => o.kind === 'Deployment' && o.metadata.name === app) as KubeObject;
      const ports = (d['spec'] as { template: { spec: { containers: { ports: { name: string }[] }[] } } }).template.spec.containers[0]?.ports.map((p) => p.name);
      expect(ports).toContain('https-metrics');
    }
  });

  it.each(BASE_PARTS.map((p) => [p]))('every object of %s carries app.kubernetes.io/name and part-of=certscrape', (part) => {
    for (const o of base.filter((x) => renderKustomization(join(DEPLOY_DIR, part)).some((y) => y.kind === x.kind && y.metadata.name === x.metadata.name))) {
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], objectId(o)).toBe('certscrape');
      expect(o.metadata.labels?.['app.kubernetes.io/name'], objectId(o)).toMatch(/^[a-z-]+$/);
    }
  });

  it('an overlay can retag and move the images with `images:`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'images-overlay-'));
    try {
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        `resources: [${JSON.stringify(relative(dir, DEPLOY_DIR))}]\nimages:\n  - name: ghcr.io/certscrape/csr-approver\n    newName: registry.example/cs/csr-approver\n    newTag: "9.9.9"\n  - name: ghcr.io/certscrape/monitoring-operator\n    digest: sha256:${'a'.repeat(64)}\n`,
      );
      const images = renderKustomization(dir)
        .filter((o) => o.kind === 'Deployment')
        .map((d) => (d['spec'] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image)
        .sort();
      expect(images).toEqual(['ghcr.io/certscrape/monitoring-operator@sha256:' + 'a'.repeat(64), 'registry.example/cs/csr-approver:9.9.9']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// `kubectl kustomize` (kustomize v5.5 in kubectl 1.32) is the reference the renderer follows.
/** Deep copy with object keys sorted, for order-insensitive comparison. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canonical(x)]));
  return v;
}

function expectSameAsKubectl(ours: readonly KubeObject[], theirs: readonly KubeObject[]): void {
  const byId = (objects: readonly KubeObject[]) => new Map(objects.map((o) => [objectId(o), canonical(o)]));
  const a = byId(ours);
  const b = byId(theirs);
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [id, o] of a) expect(o, id).toEqual(b.get(id));
}

describe.runIf(KUBECTL_AVAILABLE)('the renderer agrees with `kubectl kustomize` object for object', () => {
  it('on the base', () => expectSameAsKubectl(base, kubectlKustomize(DEPLOY_DIR)));
  it.each(DEPLOY_SAMPLES.map((s) => [s]))('on samples/%s', (s) => expectSameAsKubectl(renderKustomization(join(DEPLOY_DIR, 'samples', s)), kubectlKustomize(join(DEPLOY_DIR, 'samples', s))));
  it.each(DEPLOY_COMPONENTS.map((c) => [c]))('on the base with components/%s', (c) => withOverlay([c], (dir) => expectSameAsKubectl(renderKustomization(dir), kubectlKustomize(dir))));
  it('on the base with every component at once', () => withOverlay(DEPLOY_COMPONENTS, (dir) => expectSameAsKubectl(renderKustomization(dir), kubectlKustomize(dir))));
});
