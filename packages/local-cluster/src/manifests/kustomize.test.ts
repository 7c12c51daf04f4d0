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

  it('applies namespace like kustomize 5: namespaced objects, the Namespace object, and SA subjects from those namespaces or named default', () => {
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
      { kind: 'ServiceAccount', name: 'c' },
      { kind: 'User', name: 'u', namespace: 'old' },
    ]);
  });

  it('reads YAML 1.1 like kubectl: 0440 is octal', () => {
    write({ 'kustomization.yaml': 'resources: [p.yaml]\n', 'p.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: v, secret: {secretName: s, defaultMode: 0440}}]\n' });
    expect(JSON.stringify(renderKustomization(root)[0])).toContain('"defaultMode":288');
  });

  it.each([
    ['if the kustomization uses patches, refuse', { 'kustomization.yaml': 'resources: []\npatches: []\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
    ['if the kustomization uses images, refuse', { 'kustomization.yaml': 'images: []\n' }, 'KUSTOMIZE_ERR_UNSUPPORTED'],
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
