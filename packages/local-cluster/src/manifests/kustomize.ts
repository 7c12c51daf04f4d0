import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * A strict subset of kustomize, enough to render `deploy/` without a kustomize binary.
 *
 * Supported kustomization fields: `resources` (local files and directories), `components` (local
 * directories holding a `kind: Component`), `namespace`, `commonLabels`, `labels` (`pairs`,
 * `includeSelectors`, `includeTemplates`), `images` (`name`, `newName`, `newTag`, `digest`) and
 * `transformers` naming files with the builtin `NamespaceTransformer` in its `unsetOnly: true`,
 * `setRoleBindingSubjects: allServiceAccounts` form, and `patches` holding an inline JSON 6902 `patch`
 * (`add`, `replace`, `remove`) with a `target` of `kind` and `name` (optionally `namespace`). Anything
 * else — strategic-merge or file patches, other targets, generators, other
 * transformers, remote resources, unknown fields — is an error (`KUSTOMIZE_ERR_UNSUPPORTED`), so a
 * manifest change that needs real kustomize fails loudly instead of rendering something different
 * from `kubectl kustomize`.
 *
 * Semantics follow kustomize v5 (checked against `kubectl kustomize` 5.5 on these manifests):
 * nested kustomizations are rendered first and the parent's transformers applied on top; a file
 * resource must lie inside the kustomization root (directories may be anywhere); two objects with
 * the same group/kind/namespace/name are an error; `namespace` sets `metadata.namespace` of
 * namespaced objects, renames a `Namespace` object, and moves ServiceAccount subjects of
 * (Cluster)RoleBindings that are named `default` or that point at a namespace of the rendered
 * objects, or that name no namespace; `commonLabels` (= `labels` with `includeSelectors: true`) also
 * labels selectors, pod templates and the pod (anti-)affinity terms of templates, for the kinds
 * listed in {@link SELECTOR_KINDS} only (others with selectors are errors). Order within one
 * kustomization, as kustomize: resources, then each component (its resources join, then its
 * transformers apply to everything so far), then namespace, labels, images, `transformers`.
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
  | 'KUSTOMIZE_ERR_OUTSIDE_ROOT'
  | 'KUSTOMIZE_ERR_KIND';

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
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches', 'namespace', 'commonLabels', 'labels', 'images', 'transformers']);
const SUPPORTED_PATCH_FIELDS = new Set(['target', 'patch']);
const SUPPORTED_TARGET_FIELDS = new Set(['kind', 'name', 'namespace']);
const SUPPORTED_IMAGE_FIELDS = new Set(['name', 'newName', 'newTag', 'digest']);
const NAMESPACE_TRANSFORMER_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'unsetOnly', 'setRoleBindingSubjects']);
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
export const SELECTOR_KINDS: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Service', 'PodDisruptionBudget']);
/** Kinds that carry selectors the renderer does not handle: labelling their selectors is refused. */
const UNHANDLED_SELECTOR_KINDS: ReadonlySet<string> = new Set(['Job', 'CronJob', 'NetworkPolicy', 'ReplicationController']);
/** Kinds whose pod template (`spec.template.spec`) the `images` transformer rewrites. */
const POD_TEMPLATE_KINDS: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController']);

/** One `images:` entry: containers whose image name is `name` get `newName`, `newTag` or `digest`. */
interface ImageSpec {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

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

function render(dir: string, readFile: (path: string) => string, stack: readonly string[], component?: { readonly accumulated: KubeObject[] }): KubeObject[] {
  if (stack.includes(dir)) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `kustomization cycle: ${[...stack, dir].join(' -> ')}`);
  const file = KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((p) => isFile(p));
  if (file === undefined) throw new KustomizeError('KUSTOMIZE_ERR_NOT_FOUND', `no kustomization file in ${dir}`);
  const k = parseSingleYaml(readFile(file), file);
  for (const key of Object.keys(k)) {
    if (!SUPPORTED_FIELDS.has(key)) throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: field "${key}" is not supported by this renderer`);
  }
  const kind = k['kind'] ?? 'Kustomization';
  if (kind !== 'Kustomization' && kind !== 'Component') throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: kind must be Kustomization or Component`);
  if (component === undefined && kind === 'Component') throw new KustomizeError('KUSTOMIZE_ERR_KIND', `${file}: a Component is only usable from \`components:\`, not as a resource or root`);
  if (component !== undefined && kind !== 'Component') throw new KustomizeError('KUSTOMIZE_ERR_KIND', `${file}: \`components:\` entries must be kind: Component`);

  // A component works on what its parent has accumulated so far; a kustomization on its own resources.
  const objects: KubeObject[] = component?.accumulated ?? [];
  const seen = new Set<string>(objects.map(objectId));
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
  for (const entry of stringList(k['components'], 'components', file)) {
    const path = resolve(dir, entry);
    if (!isDirectory(path)) throw new KustomizeError('KUSTOMIZE_ERR_NOT_FOUND', `${file}: component ${entry} is not a local directory`);
    render(path, readFile, [...stack, dir], { accumulated: objects });
    seen.clear();
    for (const o of objects) seen.add(objectId(o));
  }

  // kustomize runs the patch transformer before namespace, labels and images.
  for (const patch of patchSpecs(k['patches'], file)) applyPatch(objects, patch, file);
  const namespace = k['namespace'];
  if (namespace !== undefined) {
    if (typeof namespace !== 'string' || namespace === '') throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: namespace must be a non-empty string`);
    applyNamespace(objects, namespace);
  }
  for (const spec of labelSpecs(k, file)) applyLabels(objects, spec, file);
  const images = imageSpecs(k['images'], file);
  if (images.length > 0) for (const o of objects) applyImages(o, images);
  for (const entry of stringList(k['transformers'], 'transformers', file)) {
    const path = resolve(dir, entry);
    if (!isFile(path)) throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: transformer ${entry} must be a local file`);
    const rel = relative(dir, path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new KustomizeError('KUSTOMIZE_ERR_OUTSIDE_ROOT', `${file}: transformer ${entry} is outside the kustomization root`);
    applyNamespaceUnsetOnly(objects, namespaceTransformer(parseSingleYaml(readFile(path), path), path));
  }
  return objects;
}

interface PatchSpec {
  readonly target: { readonly kind: string; readonly name: string; readonly namespace?: string };
  readonly ops: readonly { readonly op: 'add' | 'replace' | 'remove'; readonly path: string; readonly value?: unknown }[];
}

function patchSpecs(value: unknown, file: string): PatchSpec[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: patches must be a list`);
  return (value as unknown[]).map((v, i) => {
    const at = `${file}: patches[${i}]`;
    if (typeof v !== 'object' || v === null) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${at} must be an object`);
    const e = v as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!SUPPORTED_PATCH_FIELDS.has(key)) throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${at}.${key} is not supported by this renderer`);
    const target = e['target'] as Record<string, unknown> | undefined;
    if (typeof target !== 'object' || target === null || typeof target['kind'] !== 'string' || typeof target['name'] !== 'string') {
      throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${at}: only a target with kind and name is supported`);
    }
    for (const key of Object.keys(target)) if (!SUPPORTED_TARGET_FIELDS.has(key)) throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${at}.target.${key} is not supported by this renderer`);
    if (typeof e['patch'] !== 'string') throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${at}: only an inline JSON 6902 patch (a string) is supported`);
    const ops = parseSingleYamlValue(e['patch'], at);
    if (!Array.isArray(ops)) throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${at}: only a JSON 6902 patch (a list of operations) is supported`);
    return {
      target: { kind: target['kind'], name: target['name'], ...(typeof target['namespace'] === 'string' ? { namespace: target['namespace'] } : {}) },
      ops: (ops as unknown[]).map((op, j) => {
        const o = op as Record<string, unknown> | null;
        if (!o || (o['op'] !== 'add' && o['op'] !== 'replace' && o['op'] !== 'remove') || typeof o['path'] !== 'string' || (o['op'] !== 'remove' && !('value' in o))) {
          throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${at}: operation ${j} must be add, replace (with a value) or remove, with a path`);
        }
        return { op: o['op'], path: o['path'], ...(o['op'] !== 'remove' ? { value: o['value'] } : {}) };
      }),
    };
  });
}

/** Applies a JSON 6902 patch to every object the target names; a target matching nothing is an error, as in kustomize. */
function applyPatch(objects: KubeObject[], patch: PatchSpec, file: string): void {
  const { kind, name, namespace } = patch.target;
  const matched = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (matched.length === 0) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: patch target ${kind}/${name} matches no object`);
  for (const o of matched) {
    for (const op of patch.ops) {
      const tokens = op.path.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
      if (!op.path.startsWith('/') || tokens.length === 0) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: patch path ${op.path} must start with /`);
      let parent: unknown = o;
      for (const t of tokens.slice(0, -1)) {
        parent = Array.isArray(parent) ? parent[Number(t)] : (parent as Record<string, unknown> | undefined)?.[t];
        if (typeof parent !== 'object' || parent === null) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: patch path ${op.path} does not exist in ${kind}/${name}`);
      }
      const last = tokens.at(-1)!;
      const value = structuredClone(op.value);
      if (Array.isArray(parent)) {
        const index = last === '-' ? parent.length : Number(last);
        const limit = op.op === 'add' ? parent.length : parent.length - 1;
        if (!Number.isInteger(index) || index < 0 || index > limit) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: patch path ${op.path} is out of range in ${kind}/${name}`);
        if (op.op === 'add') parent.splice(index, 0, value);
        else if (op.op === 'replace') parent[index] = value;
        else parent.splice(index, 1);
      } else {
        const record = parent as Record<string, unknown>;
        if (op.op !== 'add' && !(last in record)) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: patch path ${op.path} does not exist in ${kind}/${name}`);
        if (op.op === 'remove') delete record[last];
        else record[last] = value;
      }
    }
  }
}

function imageSpecs(value: unknown, file: string): ImageSpec[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: images must be a list`);
  return (value as unknown[]).map((v) => {
    if (typeof v !== 'object' || v === null) throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: images entries must be objects`);
    for (const key of Object.keys(v)) {
      if (!SUPPORTED_IMAGE_FIELDS.has(key)) throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: images.${key} is not supported by this renderer`);
    }
    const e = v as Record<string, unknown>;
    if (Object.values(e).some((x) => typeof x !== 'string' || x === '') || typeof e['name'] !== 'string') {
      throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: images entries need a name and non-empty string fields`);
    }
    return e as unknown as ImageSpec;
  });
}

/** Splits `registry:5000/repo/name:tag@sha256:…` into the name and the tag/digest suffix (`:tag`, `@digest`, or both). */
function splitImage(image: string): { name: string; suffix: string } {
  const at = image.indexOf('@');
  const beforeDigest = at === -1 ? image : image.slice(0, at);
  const colon = beforeDigest.lastIndexOf(':');
  const nameEnd = colon > beforeDigest.lastIndexOf('/') ? colon : beforeDigest.length;
  return { name: image.slice(0, nameEnd), suffix: image.slice(nameEnd) };
}

function applyImages(o: KubeObject, images: readonly ImageSpec[]): void {
  const spec = o['spec'] as Record<string, unknown> | undefined;
  const podSpecs: unknown[] = [];
  if (o.kind === 'Pod') podSpecs.push(spec);
  else if (POD_TEMPLATE_KINDS.has(o.kind)) podSpecs.push((spec?.['template'] as Record<string, unknown> | undefined)?.['spec']);
  else if (o.kind === 'CronJob') podSpecs.push((((spec?.['jobTemplate'] as Record<string, unknown> | undefined)?.['spec'] as Record<string, unknown> | undefined)?.['template'] as Record<string, unknown> | undefined)?.['spec']);
  for (const podSpec of podSpecs) {
    if (typeof podSpec !== 'object' || podSpec === null) continue;
    for (const field of ['initContainers', 'containers']) {
      const containers = (podSpec as Record<string, unknown>)[field];
      if (!Array.isArray(containers)) continue;
      for (const c of containers as Record<string, unknown>[]) {
        if (typeof c['image'] !== 'string') continue;
        const { name, suffix } = splitImage(c['image']);
        const match = images.find((i) => i.name === name);
        if (match === undefined) continue;
        const tagOrDigest = match.digest !== undefined ? `@${match.digest}` : match.newTag !== undefined ? `:${match.newTag}` : suffix;
        c['image'] = `${match.newName ?? name}${tagOrDigest}`;
      }
    }
  }
}

interface NamespaceTransformerSpec {
  readonly namespace: string;
}

function namespaceTransformer(t: Record<string, unknown>, file: string): NamespaceTransformerSpec {
  if (t['apiVersion'] !== 'builtin' || t['kind'] !== 'NamespaceTransformer') {
    throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: only the builtin NamespaceTransformer is supported as a transformer`);
  }
  for (const key of Object.keys(t)) {
    if (!NAMESPACE_TRANSFORMER_FIELDS.has(key)) throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: NamespaceTransformer field "${key}" is not supported by this renderer`);
  }
  if (t['unsetOnly'] !== true || t['setRoleBindingSubjects'] !== 'allServiceAccounts') {
    throw new KustomizeError('KUSTOMIZE_ERR_UNSUPPORTED', `${file}: only unsetOnly: true with setRoleBindingSubjects: allServiceAccounts is supported`);
  }
  const namespace = (t['metadata'] as Record<string, unknown> | undefined)?.['namespace'];
  if (typeof namespace !== 'string' || namespace === '') throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${file}: metadata.namespace must be a non-empty string`);
  return { namespace };
}

/** `unsetOnly`: only objects (and ServiceAccount subjects) without a namespace get one; Namespace objects are left alone. */
function applyNamespaceUnsetOnly(objects: KubeObject[], t: NamespaceTransformerSpec): void {
  for (const o of objects) {
    if (!CLUSTER_SCOPED_KINDS.has(o.kind) && (o.metadata.namespace === undefined || o.metadata.namespace === '')) o.metadata.namespace = t.namespace;
    if ((o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && Array.isArray(o['subjects'])) {
      for (const s of o['subjects'] as Record<string, unknown>[]) {
        if (s['kind'] === 'ServiceAccount' && (s['namespace'] === undefined || s['namespace'] === '')) s['namespace'] = t.namespace;
      }
    }
  }
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
        if (ns === undefined || ns === '' || s['name'] === 'default' || (typeof ns === 'string' && original.has(ns))) s['namespace'] = namespace;
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
    if (o.kind === 'PodDisruptionBudget') continue;
    const template = (spec_['template'] ??= {}) as Record<string, unknown>;
    const meta = (template['metadata'] ??= {}) as Record<string, unknown>;
    meta['labels'] = { ...((meta['labels'] as Record<string, string> | undefined) ?? {}), ...spec.pairs };
    if (spec.includeSelectors) labelAffinityTerms(template['spec'], spec.pairs);
  }
}

/** Pod (anti-)affinity terms of a pod template select pods by label: kustomize labels their matchLabels like a selector. */
function labelAffinityTerms(podSpec: unknown, pairs: Readonly<Record<string, string>>): void {
  const affinity = (podSpec as Record<string, unknown> | undefined)?.['affinity'] as Record<string, unknown> | undefined;
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = affinity?.[kind] as Record<string, unknown> | undefined;
    if (a === undefined) continue;
    const terms = [
      ...((a['requiredDuringSchedulingIgnoredDuringExecution'] as Record<string, unknown>[] | undefined) ?? []),
      ...((a['preferredDuringSchedulingIgnoredDuringExecution'] as Record<string, unknown>[] | undefined) ?? []).map((w) => (w['podAffinityTerm'] ?? {}) as Record<string, unknown>),
    ];
    for (const term of terms) {
      const selector = term['labelSelector'] as Record<string, unknown> | undefined;
      if (selector === undefined) continue;
      selector['matchLabels'] = { ...((selector['matchLabels'] as Record<string, string> | undefined) ?? {}), ...pairs };
    }
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

function parseSingleYamlValue(text: string, source: string): unknown {
  const docs = parseAllDocuments(text, YAML_OPTIONS);
  if (Array.isArray(docs) && docs.length === 1 && docs[0]!.errors.length === 0) return docs[0]!.toJS() as unknown;
  throw new KustomizeError('KUSTOMIZE_ERR_INVALID', `${source}: the patch is not one valid YAML document`);
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
