import { CertificatesV1Api, CoreV1Api, type KubeConfig, type KubernetesObject, type V1CertificateSigningRequest, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import { CSR_SUBJECT_LABEL, formatNamespacedName, type ConfiguredIdentity, type NamespacedName } from '@certscrape/identity';
import { createInformer, type Clock, type CreateInformerOptions, type Informer, type Log } from '@certscrape/kube-runtime';
import { CLIENT_CA_SOURCE } from './ca-mirror.js';
import { csrSubjectLabelValue } from './csr-object.js';

/** Which objects the operator watches (each informer is scoped to exactly what RBAC grants). */
export interface CacheScope {
  /** Every configured identity: its Secret is watched (field-selected by name, in its namespace), its CSRs by label. */
  readonly identities: readonly Pick<ConfiguredIdentity, 'username' | 'secret' | 'caConfigMap'>[];
}

/** Creates an informer (runController's `informer`, or createInformer over a KubeConfig). */
export type InformerFactory = <T extends KubernetesObject>(options: CreateInformerOptions<T>) => Informer<T>;

/**
 * A work-queue key: one per identity (`certificate:<username>`), one per distinct CA mirror
 * ConfigMap (`ca-mirror:<namespace>/<name>`), and `identities` (the removed-identities check).
 * Separate keys are what keeps one identity's failures and backoff away from the others.
 */
export type QueueKey = `certificate:${string}` | `ca-mirror:${string}` | 'identities';

/** The queue key of an identity's certificate reconciler. */
export const certificateKey = (username: string): QueueKey => `certificate:${username}`;
/** The queue key of the reconciler mirroring the client CA into `ref`. */
export const caMirrorKey = (ref: NamespacedName): QueueKey => `ca-mirror:${formatNamespacedName(ref)}`;

/** The distinct CA mirror targets of a set of identities, in order of first appearance. */
export function caMirrorTargets(identities: CacheScope['identities']): NamespacedName[] {
  const seen = new Map<string, NamespacedName>();
  for (const id of identities) if (id.caConfigMap && !seen.has(formatNamespacedName(id.caConfigMap))) seen.set(formatNamespacedName(id.caConfigMap), id.caConfigMap);
  return [...seen.values()];
}

/**
 * The value of the CSR informer's label selector: `certscrape.io/csr-subject=<v>` for one identity
 * (exactly the single-identity operator's selector), `certscrape.io/csr-subject in (<v1>,<v2>)` for several.
 */
export function csrLabelSelector(usernames: readonly string[]): string {
  const values = [...new Set(usernames.map(csrSubjectLabelValue))];
  return values.length === 1 ? `${CSR_SUBJECT_LABEL}=${values[0]}` : `${CSR_SUBJECT_LABEL} in (${values.join(',')})`;
}

/**
 * The operator's informer caches: each identity's target Secret and each CA mirror ConfigMap
 * (field-selected by name), the client CA source in kube-system (field-selected), and the CSRs of
 * the operator's labels. Reconcilers read only from here; nothing is fetched per step.
 *
 * The two caches every key needs (CSRs, CA source) come from the runtime's informer factory when
 * given (warm on a standby, counted in /readyz). The per-identity and per-mirror caches are always
 * the operator's own and sync key by key ({@link waitForKey}): an identity whose namespace refuses
 * the watch (RBAC missing, say) leaves only its own key waiting, never the others'.
 */
export class OperatorCaches {
  private readonly secretInformers = new Map<string, Informer<V1Secret>>();
  private readonly mirrorInformers = new Map<string, Informer<V1ConfigMap>>();
  private readonly csrInformer: Informer<V1CertificateSigningRequest>;
  private readonly caSourceInformer: Informer<V1ConfigMap>;
  private readonly all: Informer<KubernetesObject>[];
  /** The informers {@link start}/{@link stop} run: all of them, or only the scoped ones when the runtime runs the shared two. */
  private readonly owned: Informer<KubernetesObject>[];

  /**
   * `informer` creates the informers; default `createInformer` over `kubeConfig` (then
   * {@link start}/{@link stop} run them). runController passes its own factory, whose informers
   * it starts on every replica and stops on shutdown.
   */
  constructor(kubeConfig: KubeConfig, private readonly scope: CacheScope, options: { readonly log: Log; readonly clock?: Clock; readonly informer?: InformerFactory }) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const certs = kubeConfig.makeApiClient(CertificatesV1Api);
    const { log, clock } = options;
    const own = <T extends KubernetesObject>(o: CreateInformerOptions<T>) => createInformer<T>(kubeConfig, o);
    const createInformerFor = options.informer ?? own;
    const byName = (name: string) => `metadata.name=${name}`;
    const single = scope.identities.length === 1;
    for (const { secret } of scope.identities) {
      const { namespace, name } = secret;
      this.secretInformers.set(
        formatNamespacedName(secret),
        own<V1Secret>({
          // The single-identity operator's informer names, unchanged.
          name: single ? 'tls-secret' : `tls-secret:${formatNamespacedName(secret)}`,
          path: `/api/v1/namespaces/${namespace}/secrets`,
          fieldSelector: byName(name),
          list: () => core.listNamespacedSecret({ namespace, fieldSelector: byName(name) }),
          log,
          ...(clock ? { clock } : {}),
        }),
      );
    }
    const labelSelector = csrLabelSelector(scope.identities.map((i) => i.username));
    this.csrInformer = createInformerFor<V1CertificateSigningRequest>({
      name: 'csrs',
      path: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      labelSelector,
      list: () => certs.listCertificateSigningRequest({ labelSelector }),
      log,
      ...(clock ? { clock } : {}),
    });
    this.caSourceInformer = createInformerFor<V1ConfigMap>({
      name: 'client-ca-source',
      path: `/api/v1/namespaces/${CLIENT_CA_SOURCE.namespace}/configmaps`,
      fieldSelector: byName(CLIENT_CA_SOURCE.name),
      list: () => core.listNamespacedConfigMap({ namespace: CLIENT_CA_SOURCE.namespace, fieldSelector: byName(CLIENT_CA_SOURCE.name) }),
      log,
      ...(clock ? { clock } : {}),
    });
    const mirrors = caMirrorTargets(scope.identities);
    for (const target of mirrors) {
      const { namespace, name } = target;
      this.mirrorInformers.set(
        formatNamespacedName(target),
        own<V1ConfigMap>({
          name: mirrors.length === 1 ? 'client-ca-mirror' : `client-ca-mirror:${formatNamespacedName(target)}`,
          path: `/api/v1/namespaces/${namespace}/configmaps`,
          fieldSelector: byName(name),
          list: () => core.listNamespacedConfigMap({ namespace, fieldSelector: byName(name) }),
          log,
          ...(clock ? { clock } : {}),
        }),
      );
    }
    const scoped = [...this.secretInformers.values(), ...this.mirrorInformers.values()] as Informer<KubernetesObject>[];
    const shared = [this.csrInformer, this.caSourceInformer] as Informer<KubernetesObject>[];
    this.all = [...scoped, ...shared];
    this.owned = options.informer ? scoped : this.all;
  }

  /**
   * Calls `handler` with the queue keys each event concerns: a Secret wakes its identity, a CSR
   * the identities of its label, a mirror its own key, and the CA source every identity and every
   * mirror. Register before {@link start}.
   */
  onChange(handler: (key: QueueKey) => void): void {
    const identities = this.scope.identities;
    identities.forEach((id) => this.secretInformers.get(formatNamespacedName(id.secret))!.on(() => handler(certificateKey(id.username))));
    this.csrInformer.on((e) => {
      const label = e.object.metadata?.labels?.[CSR_SUBJECT_LABEL];
      const concerned = identities.filter((id) => csrSubjectLabelValue(id.username) === label);
      for (const id of concerned.length > 0 ? concerned : identities) handler(certificateKey(id.username));
    });
    const mirrors = caMirrorTargets(identities);
    this.caSourceInformer.on(() => {
      for (const m of mirrors) handler(caMirrorKey(m));
      for (const id of identities) handler(certificateKey(id.username));
    });
    for (const m of mirrors) this.mirrorInformers.get(formatNamespacedName(m))!.on(() => handler(caMirrorKey(m)));
  }

  /** Starts the informers this object owns (all, or the scoped ones when the runtime runs the shared two). */
  start(): void {
    for (const i of this.owned) i.start();
  }

  /** Resolves once every cache has listed (or `signal` aborted). */
  async waitForSync(signal: AbortSignal): Promise<void> {
    await Promise.all(this.all.map((i) => i.waitForSync(signal)));
  }

  /** Resolves once every cache `key` reads from has listed (or `signal` aborted). */
  async waitForKey(key: QueueKey, signal: AbortSignal): Promise<void> {
    await Promise.all(this.informersOf(key).map((i) => i.waitForSync(signal)));
  }

  /** True once every cache `key` reads from has listed at least once. */
  syncedFor(key: QueueKey): boolean {
    return this.informersOf(key).every((i) => i.health().synced);
  }

  /** True once every cache has listed at least once. */
  synced(): boolean {
    return this.all.every((i) => i.health().synced);
  }

  async stop(): Promise<void> {
    await Promise.all(this.owned.map((i) => i.stop()));
  }

  private informersOf(key: QueueKey): Informer<KubernetesObject>[] {
    const shared = [this.csrInformer, this.caSourceInformer] as Informer<KubernetesObject>[];
    if (key.startsWith('certificate:')) {
      const id = this.scope.identities.find((i) => certificateKey(i.username) === key);
      const secret = id && this.secretInformers.get(formatNamespacedName(id.secret));
      return secret ? [...shared, secret as unknown as Informer<KubernetesObject>] : shared;
    }
    if (key.startsWith('ca-mirror:')) {
      const mirror = this.mirrorInformers.get(key.slice('ca-mirror:'.length));
      return mirror ? [this.caSourceInformer as unknown as Informer<KubernetesObject>, mirror as unknown as Informer<KubernetesObject>] : shared;
    }
    return [];
  }

  /** An identity's target Secret, or undefined (only configured Secrets are watched). */
  secret(ref: NamespacedName): V1Secret | undefined {
    return this.secretInformers.get(formatNamespacedName(ref))?.get(ref.name, ref.namespace);
  }

  /** A CSR of the operator's labels, or undefined. */
  csr(name: string): V1CertificateSigningRequest | undefined {
    return this.csrInformer.get(name);
  }

  /** kube-system/extension-apiserver-authentication, or undefined. */
  caSource(): V1ConfigMap | undefined {
    return this.caSourceInformer.get(CLIENT_CA_SOURCE.name, CLIENT_CA_SOURCE.namespace);
  }

  /** A mirror ConfigMap, or undefined. */
  caMirror(ref: NamespacedName): V1ConfigMap | undefined {
    return this.mirrorInformers.get(formatNamespacedName(ref))?.get(ref.name, ref.namespace);
  }
}
