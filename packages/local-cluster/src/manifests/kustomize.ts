import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * A strict subset of kustomize, enough to render `deploy/` without a kustomize binary.
 *
 * Supported kustomization fields: `resources` (local files and directories), `namespace`,
 * `commonLabels`, `labels` (`pairs`, `includeSelectors`, `includeTemplates`). Anything else —
 * `patches`, `images`, generators, remote resources, unknown fields — is an error
 * (`KUSTOMIZE_ERR_UNSUPPORTED`), so a manifest change that needs real kustomize fails loudly
 * instead of rendering something different from `kubectl kustomize`.
 *
 * Semantics follow kustomize v5 (checked against `kubectl kustomize` 5.5 on these manifests):
 * nested kustomizations are rendered first and the parent's transformers applied on top; a file
 * resource must lie inside the kustomization root (directories may be anywhere); two objects with
 * the same group/kind/namespace/name are an error; `namespace` sets `metadata.namespace` of
 * namespaced objects, renames a `Namespace` object, and moves ServiceAccount subjects of
 * (Cluster)RoleBindings that are named `default` or that point at a namespace of the rendered
 * objects; `commonLabels` (= `labels` with `includeSelectors: true`) also labels selectors and pod
 * templates, for the kinds listed in {@link SELECTOR_KINDS} only (others with selectors are errors).
 */

/** A rendered Kubernetes object (the fields the renderer touches are typed; the rest is opaque). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Stable error codes of the renderer. */
export type KustomizeErrorCode =
  | 'KUSTOMIZE_ERR_NOT_FOUND'
  | 'KUSTOMIZE_ERR_UNSUPPORTED'
  | 'KUSTOMIZE_ERR_INVALID'
  | 'KUSTOMIZE_ERR_DUPLICATE'
  | 'KUSTOMIZE_ERR_OUTSIDE_ROOT';

/** Raised for every rendering failure; tests assert `code`. */
export class KustomizeError extends Error {
  override readonly name = 'KustomizeError';
  constructor(
    readonly code: KustomizeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Kubernetes tooling (sigs.k8s.io/yaml, kustomize) reads YAML 1.1: `0440` is octal, `yes`/`y` are
 * booleans. Parse the same way so the renderer cannot disagree with kubectl on such scalars.
 */
const YAML_OPTIONS = { version: '1.1' } as const;

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'commonLabels', 'labels']);
const SUPPORTED_LABEL_FIELDS = new Set(['pairs', 'includeSelectors', 'includeTemplates']);

/** Cluster-scoped kinds (never given a namespace). Unknown kinds are treated as namespaced, as kustomize does. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'CertificateSigningRequest',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'APIService',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'PodSecurityPolicy',
  'Node',
]);

/** Kinds whose selectors/templates the label transformer knows how to label. */
export const SELECTOR_KINDS: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Service']);
/** Kinds that carry selectors the renderer does not handle: labelling their selectors is refused. */
const UNHANDLED_SELECTOR_KINDS: ReadonlySet<string> = new Set(['Job', 'CronJob', 'PodDisruptionBudget', 'NetworkPolicy', 'ReplicationController']);

interface LabelSpec {
  readonly pairs: Readonly<Record<string, string>>;
  readonly includeSelectors: boolean;
  readonly includeTemplates: boolean;
}

/** Options for {@link renderKustomization}. */
export interface RenderOptions {
  /** Reads a file as UTF-8 (injectable for tests). Default `fs.readFileSync`. */
  readonly readFile?: (path: string) => string;
}

/** The kustomize id of an object: `group/kind/namespace/name`. */
export function objectId(o: KubeObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${group}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Renders the kustomization in `dir` (absolute or relative to cwd) into a list of objects, in resource order. */
export function renderKustomization(dir: string, options: RenderOptions = {}): KubeObject[] {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  return render(resolve(dir), readFile, []);
}

function render(dir: string, readFile: (path: string) => string, stack: readonly string[]): KubeObject[] {
  if (stack.includes(dir)) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `kustomization cycle: ${[...stack, dir].join(' -> ')}`);
  const file = KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((p) => isFile(p));
  if (file === undefined) throw new KustomizeError('KUSTOMIZE_ERR_NOT_FOUND', `no kustomization file in ${dir}`);
  const k = parseSingleYaml(readFile(file), file);
  for (const key of Object.keys(k)) {
    if (!SUPPORTED_FIELDS.has(key)) throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: field "${key}" is not supported by this renderer`);
  }
  if (k['kind'] !== undefined && k['kind'] !== 'Kustomization') throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: kind must be Kustomization`);

  const objects: KubeObject[] = [];
  const seen = new Set<string>();
  const add = (o: KubeObject, from: string): void => {
    const id = objectId(o);
    if (seen.has(id)) throw new KustomizeError('KUSTOMIZE_ERR_DUPLICATE', `${file}: ${id} is defined twice (again in ${from})`);
    seen.add(id);
    objects.push(o);
  };
  for (const entry of stringList(k['resources'], 'resources', file)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('git@')) {
      throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: remote resource ${entry} is not supported`);
    }
    const path = resolve(dir, entry);
    if (isDirectory(path)) {
      for (const o of render(path, readFile, [...stack, dir])) add(o, entry);
    } else if (isFile(path)) {
      const rel = relative(dir, path);
      if (rel.startsWith('..') || isAbsolute(rel)) throw new KustomizeError('KUSTOMIZE_ERR_OUTSIDE_ROOT', `${file}: file ${entry} is outside the kustomization root`);
      for (const o of parseObjects(readFile(path), path)) add(o, entry);
    } else {
      throw new KustomizeError('KUSTOMIZE_ERR_NOT_FOUND', `${file}: resource ${entry} does not exist`);
    }
  }

  const namespace = k['namespace'];
  if (namespace !== undefined) {
    if (typeof namespace !== 'string' || namespace === '') throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: namespace must be a non-empty string`);
    applyNamespace(objects, namespace);
  }
  for (const spec of labelSpecs(k, file)) applyLabels(objects, spec, file);
  return objects;
}

function labelSpecs(k: Record<string, unknown>, file: string): LabelSpec[] {
  const specs: LabelSpec[] = [];
  const common = k['commonLabels'];
  if (common !== undefined) specs.push({ pairs: stringMap(common, 'commonLabels', file), includeSelectors: true, includeTemplates: true });
  const labels = k['labels'];
  if (labels !== undefined) {
    if (!Array.isArray(labels)) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: labels must be a list`);
    for (const l of labels as unknown[]) {
      if (typeof l !== 'object' || l === null) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: labels entries must be objects`);
      for (const key of Object.keys(l)) {
        if (!SUPPORTED_LABEL_FIELDS.has(key)) throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: labels.${key} is not supported by this renderer`);
      }
      const entry = l as Record<string, unknown>;
      const includeSelectors = entry['includeSelectors'] === true;
      specs.push({
        pairs: stringMap(entry['pairs'], 'labels.pairs', file),
        includeSelectors,
        includeTemplates: includeSelectors || entry['includeTemplates'] === true,
      });
    }
  }
  return specs;
}

function applyNamespace(objects: KubeObject[], namespace: string): void {
  const original = new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined));
  for (const o of objects) {
    if (o.kind === 'Namespace') o.metadata.name = namespace;
    else if (!CLUSTER_SCOPED_KINDS.has(o.kind)) o.metadata.namespace = namespace;
    if ((o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && Array.isArray(o['subjects'])) {
      for (const s of o['subjects'] as Record<string, unknown>[]) {
        if (s['kind'] !== 'ServiceAccount') continue;
        const ns = s['namespace'];
        if (s['name'] === 'default' || (typeof ns === 'string' && original.has(ns))) s['namespace'] = namespace;
      }
    }
  }
}

function applyLabels(objects: KubeObject[], spec: LabelSpec, file: string): void {
  for (const o of objects) {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), ...spec.pairs };
    if (!spec.includeSelectors && !spec.includeTemplates) continue;
    if (UNHANDLED_SELECTOR_KINDS.has(o.kind)) {
      throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: labelling the selectors of a ${o.kind} is not supported by this renderer`);
    }
    if (!SELECTOR_KINDS.has(o.kind)) continue;
    const spec_ = (o['spec'] ??= {}) as Record<string, unknown>;
    if (o.kind === 'Service') {
      if (spec.includeSelectors) spec_['selector'] = { ...((spec_['selector'] as Record<string, string> | undefined) ?? {}), ...spec.pairs };
      continue;
    }
    if (spec.includeSelectors) {
      const selector = (spec_['selector'] ??= {}) as Record<string, unknown>;
      selector['matchLabels'] = { ...((selector['matchLabels'] as Record<string, string> | undefined) ?? {}), ...spec.pairs };
    }
    const template = (spec_['template'] ??= {}) as Record<string, unknown>;
    const meta = (template['metadata'] ??= {}) as Record<string, unknown>;
    meta['labels'] = { ...((meta['labels'] as Record<string, string> | undefined) ?? {}), ...spec.pairs };
  }
}

/** Parses a multi-document YAML file into objects; empty documents are skipped. */
export function parseObjects(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text, YAML_OPTIONS)) {
    if (doc.errors.length > 0) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${source}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${source}: a document is not an object`);
    const o = value as Partial<KubeObject>;
    if (o.kind === 'List') throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${source}: kind List is not supported`);
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string' || o.metadata.name === '') {
      throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${source}: every object needs apiVersion, kind and metadata.name`);
    }
    out.push(o as KubeObject);
  }
  return out;
}

function parseSingleYaml(text: string, source: string): Record<string, unknown> {
  const docs = parseAllDocuments(text, YAML_OPTIONS);
  const doc = docs[0];
  if (docs.length !== 1 || doc === undefined || doc.errors.length > 0) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${source}: expected one YAML document`);
  const value: unknown = doc.toJS();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${source}: not a mapping`);
  return value as Record<string, unknown>;
}

function stringList(value: unknown, field: string, file: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: ${field} must be a list of strings`);
  return value as string[];
}

function stringMap(value: unknown, field: string, file: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: ${field} must map strings to strings`);
  }
  return { ...(value as Record<string, string>) };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
