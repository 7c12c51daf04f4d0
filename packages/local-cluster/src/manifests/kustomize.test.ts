import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KustomizeError, objectId, renderKustomization } from './kustomize.js';
import type { KubeObject } from './kustomize.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kustomize-test-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof KustomizeError ? e.code : `not a KustomizeError: ${String(e)}`;
  }
  return undefined;
}

const byName = (objects: KubeObject[], kind: string, name: string): KubeObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`${kind}/${name} not rendered`);
  return o;
};

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: inner}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: c, image: i}]}
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: s}
spec: {selector: {app: d}, ports: [{port: 1}]}
`;

describe('renderKustomization', () => {
  it('renders file and directory resources in order, the parent transformers applying on top of the child', () => {
    write({
      'kustomization.yaml': 'commonLabels: {team: a}\nresources: [base, extra.yaml]\n',
      'extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: ns}\n',
      'base/kustomization.yaml': 'labels:\n  - pairs: {only: meta}\nresources: [d.yaml]\n',
      'base/d.yaml': `${DEPLOYMENT}---\n${SERVICE}`,
    });
    const out = renderKustomization(root);
    expect(out.map(objectId)).toEqual(['apps/Deployment/inner/d', '/Service//s', '/ConfigMap/ns/cm']);
    const d = byName(out, 'Deployment', 'd');
    expect(d.metadata.labels).toEqual({ only: 'meta', team: 'a' });
    // commonLabels reach selectors and templates; labels without includeSelectors do not.
    expect(d['spec']).toMatchObject({ selector: { matchLabels: { app: 'd', team: 'a' } }, template: { metadata: { labels: { app: 'd', team: 'a' } } } });
    expect(JSON.stringify(d['spec'])).not.toContain('only');
    expect(byName(out, 'Service', 's')['spec']).toMatchObject({ selector: { app: 'd', team: 'a' } });
  });

  it('labels templates but not selectors with includeTemplates', () => {
    write({ 'kustomization.yaml': 'labels:\n  - pairs: {t: v}\n    includeTemplates: true\nresources: [d.yaml, s.yaml]\n', 'd.yaml': DEPLOYMENT, 's.yaml': SERVICE });
    const out = renderKustomization(root);
    expect(byName(out, 'Deployment', 'd')['spec']).toMatchObject({ selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd', t: 'v' } } } });
    expect((byName(out, 'Deployment', 'd')['spec'] as { selector: { matchLabels: object } }).selector.matchLabels).toEqual({ app: 'd' });
    expect((byName(out, 'Service', 's')['spec'] as { selector: object }).selector).toEqual({ app: 'd' });
  });

  it('applies namespace like kustomize 5: namespaced objects, the Namespace object, and SA subjects from those namespaces, named default or without a namespace', () => {
    write({
      'kustomization.yaml': 'namespace: newns\nresources: [r.yaml]\n',
      'r.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
subjects:
- {kind: ServiceAccount, name: a, namespace: old}
- {kind: ServiceAccount, name: b, namespace: other}
- {kind: ServiceAccount, name: default, namespace: other}
- {kind: ServiceAccount, name: c}
- {kind: User, name: u, namespace: old}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: a, namespace: old}
---
apiVersion: v1
kind: Namespace
metadata: {name: old}
`,
    });
    const out = renderKustomization(root);
    expect(out.map(objectId)).toEqual(['rbac.authorization.k8s.io/ClusterRoleBinding//crb', '/ServiceAccount/newns/a', '/Namespace//newns']);
    expect(byName(out, 'ClusterRoleBinding', 'crb')['subjects']).toEqual([
      { kind: 'ServiceAccount', name: 'a', namespace: 'newns' },
      { kind: 'ServiceAccount', name: 'b', namespace: 'other' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'newns' },
      { kind: 'ServiceAccount', name: 'c', namespace: 'newns' },
      { kind: 'User', name: 'u', namespace: 'old' },
    ]);
  });

  it('a component adds its resources and applies its transformers to everything accumulated before it; the parent transforms last', () => {
    write({
      'kustomization.yaml': 'resources: [base]\ncomponents: [comp]\ncommonLabels: {top: t}\n',
      'base/kustomization.yaml': 'resources: [s.yaml]\n',
      'base/s.yaml': SERVICE,
      'comp/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n  - pairs: {c: v}\nresources: [cm.yaml]\n',
      'comp/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n',
    });
    const out = renderKustomization(root);
    expect(out.map(objectId)).toEqual(['/Service//s', '/ConfigMap//cm']);
    for (const o of out) expect(o.metadata.labels).toEqual({ c: 'v', top: 't' });
  });

  it('images: retags, renames or pins by digest every container and init container whose image name matches, keeping the tag otherwise', () => {
    write({
      'kustomization.yaml': 'resources: [d.yaml]\nimages:\n  - {name: reg:5000/a, newTag: "2"}\n  - {name: b, newName: other/b}\n  - {name: c, digest: "sha256:abc"}\n',
      'd.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      initContainers: [{name: i, image: "reg:5000/a:1"}]\n      containers: [{name: x, image: "b:7"}, {name: y, image: "c"}, {name: z, image: "bb:1"}, {name: w, image: "reg:5000/a"}]\n',
    });
    const spec = (renderKustomization(root)[0]?.['spec'] as { template: { spec: { initContainers: { image: string }[]; containers: { image: string }[] } } }).template.spec;
    expect(spec.initContainers.map((c) => c.image)).toEqual(['reg:5000/a:2']);
    expect(spec.containers.map((c) => c.image)).toEqual(['other/b:7', 'c@sha256:abc', 'bb:1', 'reg:5000/a:2']);
  });

  it('the unsetOnly NamespaceTransformer fills only missing namespaces (objects and ServiceAccount subjects) and leaves Namespace objects alone', () => {
    write({
      'kustomization.yaml': 'resources: [r.yaml]\ntransformers: [ns.yaml]\n',
      'ns.yaml': 'apiVersion: builtin\nkind: NamespaceTransformer\nmetadata: {name: ns, namespace: mon}\nunsetOnly: true\nsetRoleBindingSubjects: allServiceAccounts\n',
      'r.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects:
- {kind: ServiceAccount, name: a}
- {kind: ServiceAccount, name: b, namespace: other}
- {kind: User, name: u}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: keep}
`,
    });
    const out = renderKustomization(root);
    expect(out.map(objectId)).toEqual(['rbac.authorization.k8s.io/RoleBinding/kube-system/rb', '/ServiceAccount/mon/a', '/Namespace//keep']);
    expect(byName(out, 'RoleBinding', 'rb')['subjects']).toEqual([
      { kind: 'ServiceAccount', name: 'a', namespace: 'mon' },
      { kind: 'ServiceAccount', name: 'b', namespace: 'other' },
      { kind: 'User', name: 'u' },
    ]);
  });

  it('labels with includeSelectors reach PodDisruptionBudget selectors and the pod (anti-)affinity terms of templates', () => {
    write({
      'kustomization.yaml': 'labels:\n  - pairs: {app: x}\n    includeSelectors: true\nresources: [r.yaml]\n',
      'r.yaml': `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p}
spec: {minAvailable: 1, selector: {matchLabels: {a: b}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1, podAffinityTerm: {topologyKey: h, labelSelector: {matchLabels: {a: b}}}}]
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: h, labelSelector: {matchLabels: {c: d}}}]
      containers: [{name: c, image: i}]
`,
    });
    const out = renderKustomization(root);
    expect(byName(out, 'PodDisruptionBudget', 'p')['spec']).toEqual({ minAvailable: 1, selector: { matchLabels: { a: 'b', app: 'x' } } });
    const affinity = (byName(out, 'Deployment', 'd')['spec'] as { template: { spec: { affinity: Record<string, Record<string, { podAffinityTerm?: { labelSelector: unknown }; labelSelector?: unknown }[]>> } } }).template.spec.affinity;
    expect(affinity['podAntiAffinity']?.['preferredDuringSchedulingIgnoredDuringExecution']?.[0]?.podAffinityTerm?.labelSelector).toEqual({ matchLabels: { a: 'b', app: 'x' } });
    expect(affinity['podAffinity']?.['requiredDuringSchedulingIgnoredDuringExecution']?.[0]?.labelSelector).toEqual({ matchLabels: { c: 'd', app: 'x' } });
  });

  it('reads YAML 1.1 like kubectl: 0440 is octal', () => {
    write({ 'kustomization.yaml': 'resources: [p.yaml]\n', 'p.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: v, secret: {secretName: s, defaultMode: 0440}}]\n' });
    expect(JSON.stringify(renderKustomization(root)[0])).toContain('"defaultMode":288');
  });

  it.each([
    ['if the kustomization uses strategic-merge patches, refuse', { 'kustomization.yaml': 'resources: []\npatchesStrategicMerge: []\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if an images entry uses newTag and a field kustomize has but the renderer does not, refuse', { 'kustomization.yaml': 'images:\n  - {name: a, tagSuffix: x}\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if a transformer is not the builtin NamespaceTransformer, refuse', { 'kustomization.yaml': 'transformers: [t.yaml]\n', 't.yaml': 'apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: t}\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if the NamespaceTransformer would override set namespaces (unsetOnly false), refuse', { 'kustomization.yaml': 'transformers: [t.yaml]\n', 't.yaml': 'apiVersion: builtin\nkind: NamespaceTransformer\nmetadata: {name: t, namespace: n}\nsetRoleBindingSubjects: allServiceAccounts\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if a Component is used as a resource, refuse', { 'kustomization.yaml': 'resources: [c]\n', 'c/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n' }, 'KUSTOMIZE_ERR_KIND'],
    ['if a components entry is a plain Kustomization, refuse', { 'kustomization.yaml': 'components: [c]\n', 'c/kustomization.yaml': 'resources: []\n' }, 'KUSTOMIZE_ERR_KIND'],
    ['if commonLabels would have to label a NetworkPolicy peer selector, refuse', { 'kustomization.yaml': 'commonLabels: {a: b}\nresources: [n.yaml]\n', 'n.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if labels use fields, refuse', { 'kustomization.yaml': 'labels:\n  - pairs: {a: b}\n    fields: []\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if a resource is remote, refuse', { 'kustomization.yaml': 'resources: [https://example.invalid/x]\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if commonLabels would have to label a Job selector, refuse', { 'kustomization.yaml': 'commonLabels: {a: b}\nresources: [j.yaml]\n', 'j.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if a resource is missing, refuse', { 'kustomization.yaml': 'resources: [nope.yaml]\n' }, 'KUSTOMIZE_ERR_NOT_FOUND'],
    ['if there is no kustomization file, refuse', { 'other.yaml': '' }, 'KUSTOMIZE_ERR_NOT_FOUND'],
    ['if an object is defined twice, refuse', { 'kustomization.yaml': 'resources: [a.yaml, b.yaml]\n', 'a.yaml': SERVICE, 'b.yaml': SERVICE }, 'KUSTOMIZE_ERR_DUPLICATE'],
    ['if a label value is a YAML 1.1 boolean, refuse', { 'kustomization.yaml': 'commonLabels: {x: y}\n' }, 'KUSTOMIZE_ERR_INVALID'],
    ['if an object has no name, refuse', { 'kustomization.yaml': 'resources: [a.yaml]\n', 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n' }, 'KUSTOMIZE_ERR_INVALID'],
  ])('%s', (_name, files, code) => {
    write(files);
    expect(codeOf(() => renderKustomization(root))).toBe(code);
  });

  it('refuses a file resource outside the root but accepts a directory outside it', () => {
    write({
      'shared/kustomization.yaml': 'resources: [s.yaml]\n',
      'shared/s.yaml': SERVICE,
      'app/kustomization.yaml': 'resources: [../shared]\n',
      'bad/kustomization.yaml': 'resources: [../shared/s.yaml]\n',
    });
    expect(renderKustomization(join(root, 'app')).map(objectId)).toEqual(['/Service//s']);
    expect(codeOf(() => renderKustomization(join(root, 'bad')))).toBe('KUSTOMIZE_ERR_OUTSIDE_ROOT');
  });
});

describe('renderKustomization: JSON 6902 patches', () => {
  const PATCH = [
    'patches:',
    '  - target: {kind: Deployment, name: d}',
    '    patch: |-',
    '      - op: replace',
    '        path: /spec/template/spec/containers/0/image',
    '        value: j',
    '      - op: add',
    '        path: /spec/template/spec/containers/0/args',
    '        value: [--a]',
    '      - op: add',
    '        path: /spec/template/spec/containers/0/args/-',
    '        value: --b',
    '      - op: add',
    '        path: /spec/template/spec/containers/0/args/0',
    '        value: --first',
    '      - op: remove',
    '        path: /spec/selector/matchLabels/app',
    '',
  ].join('\n');

  it('applies add, replace and remove to the target, in a component over its parent', () => {
    write({
      'kustomization.yaml': 'resources: [d.yaml, s.yaml]\ncomponents: [c]\n',
      'd.yaml': DEPLOYMENT,
      's.yaml': SERVICE,
      'c/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n${PATCH}`,
    });
    const d = byName(renderKustomization(root), 'Deployment', 'd');
    expect((d['spec'] as { template: { spec: { containers: unknown[] } } }).template.spec.containers[0]).toEqual({ name: 'c', image: 'j', args: ['--first', '--a', '--b'] });
    expect((d['spec'] as { selector: object }).selector).toEqual({ matchLabels: {} });
  });
  it.each([
    ['if the target matches nothing, refuse', 'patches:\n  - target: {kind: Deployment, name: nope}\n    patch: "[]"\n', 'KUSTOMIZE_ERR_INVALID'],
    ['if the target has a label selector, refuse', 'patches:\n  - target: {kind: Deployment, name: d, labelSelector: a=b}\n    patch: "[]"\n', 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if the patch is a strategic merge, refuse', 'patches:\n  - target: {kind: Deployment, name: d}\n    patch: "spec: {replicas: 2}"\n', 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if the patch is a file, refuse', 'patches:\n  - path: p.yaml\n', 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if an operation is not add, replace or remove, refuse', 'patches:\n  - target: {kind: Deployment, name: d}\n    patch: "[{op: move, from: /a, path: /b}]"\n', 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if a path does not exist, refuse', 'patches:\n  - target: {kind: Deployment, name: d}\n    patch: "[{op: replace, path: /spec/nope/x, value: 1}]"\n', 'KUSTOMIZE_ERR_INVALID'],
  ])('%s', (_sentence, kustomization, code) => {
    write({ 'kustomization.yaml': `resources: [d.yaml]\n${kustomization}`, 'd.yaml': DEPLOYMENT });
    expect(codeOf(() => renderKustomization(root))).toBe(code);
  });
});
