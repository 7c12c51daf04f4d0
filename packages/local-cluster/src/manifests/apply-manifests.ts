import { ApiException, HttpMethod, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { objectId } from './kustomize.js';
import type { KubeObject } from './kustomize.js';

/** Kinds that make up "namespaces, service accounts and RBAC" (what tests take from deploy/ to run the apps as processes). */
export const IDENTITY_AND_RBAC_KINDS: ReadonlySet<string> = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** Apply order: namespaces first, then identities and RBAC, then configuration, then workloads; unknown kinds last. */
export const APPLY_ORDER: readonly string[] = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'Role',
  'ClusterRoleBinding',
  'RoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'Deployment',
];

/** Field manager used for server-side apply unless told otherwise. */
export const DEFAULT_FIELD_MANAGER = 'certscrape-deploy';

/** Stable error codes of this module. */
export type ApplyErrorCode = 'APPLY_ERR_REJECTED';

/** An object the API server refused; carries the object id and the server's status message. */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
  constructor(
    readonly code: ApplyErrorCode,
    readonly objectId: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options for {@link applyObjects} and {@link applyKustomization}. */
export interface ApplyOptions {
  /** Server-side-apply field manager. Default {@link DEFAULT_FIELD_MANAGER}. */
  readonly fieldManager?: string;
  /** Server-side dry run (`dryRun=All`): full validation and admission, nothing persisted. Default false. */
  readonly dryRun?: boolean;
  /** Apply only objects of these kinds (e.g. {@link IDENTITY_AND_RBAC_KINDS}). Default: all. */
  readonly kinds?: ReadonlySet<string>;
  /** Take ownership of fields other managers set (`force=true`). Default true. */
  readonly force?: boolean;
}

/** Sorts objects by {@link APPLY_ORDER}, keeping the rendered order within a kind. */
export function sortForApply<T extends KubeObject>(objects: readonly T[]): T[] {
  const rank = (kind: string): number => {
    const i = APPLY_ORDER.indexOf(kind);
    return i === -1 ? APPLY_ORDER.length : i;
  };
  return objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o.kind) - rank(b.o.kind) || a.i - b.i)
    .map(({ o }) => o);
}

/** Loads a KubeConfig from a file path (or passes one through). */
export function toKubeConfig(kubeconfig: string | KubeConfig): KubeConfig {
  if (typeof kubeconfig !== 'string') return kubeconfig;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc;
}

/**
 * KubernetesObjectApi whose apply sends the manifest's JSON exactly as rendered. The stock
 * `KubernetesObjectApi.patch` runs known kinds through the typed ObjectSerializer, which silently
 * DROPS fields it does not know — a typo such as `readOnlyRootFileSystem` would vanish before the
 * server could refuse it. Server-side apply refuses unknown fields, so sending the raw object makes
 * the API server's validation the judge of the manifests.
 */
class ExactApplyClient extends KubernetesObjectApi {
  async applyExact(o: KubeObject, dryRun: boolean, fieldManager: string, force: boolean): Promise<KubernetesObject> {
    const path = await this.specUriPath(o as KubernetesObject, 'patch');
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    if (dryRun) ctx.setQueryParam('dryRun', 'All');
    ctx.setQueryParam('fieldManager', fieldManager);
    ctx.setQueryParam('force', String(force));
    ctx.setBody(JSON.stringify(o));
    return this.requestPromise(ctx);
  }
}

/**
 * Server-side-applies `objects` (sorted by {@link sortForApply}, filtered by `options.kinds`) one by
 * one, sending each object's JSON unmodified, and returns what the API server stored. The first
 * refusal throws {@link ApplyError} (`APPLY_ERR_REJECTED`) naming the object and the server's
 * message; earlier objects stay applied. Idempotent: applying the same objects again with the same
 * field manager changes nothing (not even resourceVersion).
 */
export async function applyObjects(kubeconfig: string | KubeConfig, objects: readonly KubeObject[], options: ApplyOptions = {}): Promise<KubernetesObject[]> {
  const client = toKubeConfig(kubeconfig).makeApiClient(ExactApplyClient);
  const selected = sortForApply(objects.filter((o) => options.kinds === undefined || options.kinds.has(o.kind)));
  const applied: KubernetesObject[] = [];
  for (const o of selected) {
    try {
      applied.push(await client.applyExact(o, options.dryRun === true, options.fieldManager ?? DEFAULT_FIELD_MANAGER, options.force ?? true));
    } catch (e) {
      const status = e instanceof ApiException ? e.code : undefined;
      throw new ApplyError('APPLY_ERR_REJECTED', objectId(o), status, `server refused ${objectId(o)}${status === undefined ? '' : ` (${status})`}: ${serverMessage(e)}`, { cause: e });
    }
  }
  return applied;
}

function serverMessage(e: unknown): string {
  if (e instanceof ApiException) {
    const body: unknown = e.body;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === 'string') return parsed.message;
      } catch {
        return body;
      }
      return body;
    }
    if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  }
  return e instanceof Error ? e.message : String(e);
}
