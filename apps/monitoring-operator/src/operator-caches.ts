import { CertificatesV1Api, CoreV1Api, type KubeConfig, type KubernetesObject, type V1CertificateSigningRequest, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import { createInformer, type Clock, type CreateInformerOptions, type Informer, type Log } from '@certscrape/kube-runtime';
import { CLIENT_CA_SOURCE } from './ca-mirror.js';
import { csrSubjectLabelValue } from './csr-object.js';

/** Which objects the operator watches (each informer is scoped to exactly what RBAC grants). */
export interface CacheScope {
  readonly namespace: string;
  readonly secretName: string;
  readonly caConfigMapName: string;
  readonly scraperIdentity: string;
}

/** Creates an informer (runController's `informer`, or createInformer over a KubeConfig). */
export type InformerFactory = <T extends KubernetesObject>(options: CreateInformerOptions<T>) => Informer<T>;

/** Which reconciler an informer event concerns. */
export type CacheTopic = 'certificate' | 'ca-mirror';

/**
 * The operator's four informer caches: the target Secret and the CA mirror ConfigMap (each
 * field-selected by name), the client CA source in kube-system (field-selected), and the CSRs
 * of the operator's label. Reconcilers read only from here; nothing is fetched per step.
 */
export class OperatorCaches {
  private readonly secretInformer: Informer<V1Secret>;
  private readonly csrInformer: Informer<V1CertificateSigningRequest>;
  private readonly caSourceInformer: Informer<V1ConfigMap>;
  private readonly caMirrorInformer: Informer<V1ConfigMap>;
  private readonly all: Informer<KubernetesObject>[];

  /**
   * `informer` creates the informers; default `createInformer` over `kubeConfig` (then
   * {@link start}/{@link stop} run them). runController passes its own factory, whose informers
   * it starts on every replica and stops on shutdown.
   */
  constructor(kubeConfig: KubeConfig, private readonly scope: CacheScope, options: { readonly log: Log; readonly clock?: Clock; readonly informer?: InformerFactory }) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const certs = kubeConfig.makeApiClient(CertificatesV1Api);
    const { log, clock } = options;
    const createInformerFor = options.informer ?? (<T extends KubernetesObject>(o: CreateInformerOptions<T>) => createInformer<T>(kubeConfig, o));
    const byName = (name: string) => `metadata.name=${name}`;
    const ns = scope.namespace;
    this.secretInformer = createInformerFor<V1Secret>({
      name: 'tls-secret',
      path: `/api/v1/namespaces/${ns}/secrets`,
      fieldSelector: byName(scope.secretName),
      list: () => core.listNamespacedSecret({ namespace: ns, fieldSelector: byName(scope.secretName) }),
      log,
      ...(clock ? { clock } : {}),
    });
    const labelSelector = `certscrape.io/csr-subject=${csrSubjectLabelValue(scope.scraperIdentity)}`;
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
    this.caMirrorInformer = createInformerFor<V1ConfigMap>({
      name: 'client-ca-mirror',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      fieldSelector: byName(scope.caConfigMapName),
      list: () => core.listNamespacedConfigMap({ namespace: ns, fieldSelector: byName(scope.caConfigMapName) }),
      log,
      ...(clock ? { clock } : {}),
    });
    this.all = [this.secretInformer, this.csrInformer, this.caSourceInformer, this.caMirrorInformer] as Informer<KubernetesObject>[];
  }

  /** Calls `handler` with the reconcilers each event concerns (the CA source feeds both). Register before {@link start}. */
  onChange(handler: (topic: CacheTopic) => void): void {
    this.secretInformer.on(() => handler('certificate'));
    this.csrInformer.on(() => handler('certificate'));
    this.caSourceInformer.on(() => {
      handler('ca-mirror');
      handler('certificate');
    });
    this.caMirrorInformer.on(() => handler('ca-mirror'));
  }

  start(): void {
    for (const i of this.all) i.start();
  }

  /** Resolves once every cache has listed (or `signal` aborted). */
  async waitForSync(signal: AbortSignal): Promise<void> {
    await Promise.all(this.all.map((i) => i.waitForSync(signal)));
  }

  /** True once every cache has listed at least once. */
  synced(): boolean {
    return this.all.every((i) => i.health().synced);
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((i) => i.stop()));
  }

  /** The target Secret, or undefined. */
  secret(): V1Secret | undefined {
    return this.secretInformer.get(this.scope.secretName, this.scope.namespace);
  }

  /** A CSR of the operator's label, or undefined. */
  csr(name: string): V1CertificateSigningRequest | undefined {
    return this.csrInformer.get(name);
  }

  /** kube-system/extension-apiserver-authentication, or undefined. */
  caSource(): V1ConfigMap | undefined {
    return this.caSourceInformer.get(CLIENT_CA_SOURCE.name, CLIENT_CA_SOURCE.namespace);
  }

  /** The mirror ConfigMap, or undefined. */
  caMirror(): V1ConfigMap | undefined {
    return this.caMirrorInformer.get(this.scope.caConfigMapName, this.scope.namespace);
  }
}
