import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createCsrPolicy, DEFAULT_EXPIRATION_SECONDS, type ConfiguredIdentity } from '@certscrape/identity';
import { createEventRecorder, describeApiError, systemClock, WorkQueue, type BackoffOptions, type Clock, type EventRecorder, type Log } from '@certscrape/kube-runtime';
import { CaMirrorReconciler } from './ca-mirror-reconciler.js';
import { CertificateReconciler } from './certificate-reconciler.js';
import { DEFAULT_ISSUANCE_BACKOFF, DEFAULT_STEP_DEPS, type CertificateStepDeps, type Next } from './certificate-step.js';
import type { OperatorConfig } from './config.js';
import { DEFAULT_SIGNER_PROBE } from './signer-rotation.js';
import { isOperatorError } from './errors.js';
import { IdentityRecordReconciler } from './identity-record-reconciler.js';
import { identityMetrics, type OperatorMetrics } from './metrics.js';
import { kubernetesObjectWriter } from './object-write.js';
import { caMirrorKey, caMirrorTargets, certificateKey, OperatorCaches, type InformerFactory, type QueueKey } from './operator-caches.js';
import { PendingStateStore } from './pending-state.js';

/** The part of the configuration the operator uses. */
export type ControllerConfig = Pick<OperatorConfig, 'namespace' | 'identities' | 'signerName' | 'issuanceStallSeconds' | 'signerProbeSeconds'>;

/** Dependencies of {@link MonitoringOperator}; clock and randomness are injectable. */
export interface ControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly config: ControllerConfig;
  readonly log: Log;
  readonly metrics: OperatorMetrics;
  readonly clock?: Clock;
  /** Uniform [0,1) draws for backoff jitter. Default Math.random. */
  readonly random?: () => number;
  /** Backoff after a failed issuance. Default {@link DEFAULT_ISSUANCE_BACKOFF} (1 s doubling to 5 min, ±20 %). */
  readonly issuanceBackoff?: BackoffOptions;
  /** Longest single wait before re-checking anyway. Default 1 h. */
  readonly maxIdleMs?: number;
  /** Events recorder. Default a core/v1 recorder as `certscrape-monitoring-operator`. */
  readonly events?: EventRecorder;
  /**
   * Informer factory of a runtime that runs the informers itself (runController: started on
   * every replica, synced before `run`, stopped on shutdown). Default: the operator creates,
   * starts and stops its own.
   */
  readonly informer?: InformerFactory;
}

const EVENT_SOURCE = 'certscrape-monitoring-operator';

/** A Log that adds `fields` to every line (one identity's lines carry `identity`). */
function withFields(log: Log, fields: Record<string, unknown>): Log {
  return {
    debug: (o, m) => log.debug({ ...fields, ...o }, m),
    info: (o, m) => log.info({ ...fields, ...o }, m),
    warn: (o, m) => log.warn({ ...fields, ...o }, m),
    error: (o, m) => log.error({ ...fields, ...o }, m),
  };
}

/**
 * The monitoring operator while it leads: informer caches feed one keyed work queue with one key
 * per identity (`certificate:<username>`, {@link CertificateReconciler}), one per CA mirror
 * ConfigMap (`ca-mirror:<ns>/<name>`, {@link CaMirrorReconciler}) and `identities` (the
 * removed-identities check, {@link IdentityRecordReconciler}). Each key has its own retry backoff
 * and there is a worker per key, so a slow or failing identity never delays another. Each queue
 * item is one observe from the caches and at most one write; waiting is the queue's `addAfter`,
 * never a private timer.
 */
export class MonitoringOperator {
  private readonly caches: OperatorCaches;
  private readonly clock: Clock;
  private readonly random: () => number;
  /** The queue of the current leadership term (a shut-down queue cannot be reused). */
  private queue: WorkQueue | undefined;
  private readonly stores: PendingStateStore[] = [];
  private readonly reconcilers = new Map<QueueKey, { reconcile(): Promise<Next> }>();

  constructor(private readonly options: ControllerOptions) {
    const { kubeConfig, config: cfg, log, metrics } = options;
    const clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    this.clock = clock;
    this.random = random;
    const identities = cfg.identities.identities;
    this.caches = new OperatorCaches(kubeConfig, { identities }, { log, clock, ...(options.informer ? { informer: options.informer } : {}) });
    // Events before a key's caches listed would reconcile against a partial view: they are dropped,
    // and each key is queued once its own caches have synced.
    this.caches.onChange((key) => {
      if (this.caches.syncedFor(key)) this.queue?.add(key);
    });
    const writer = kubernetesObjectWriter(kubeConfig);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const events = options.events ?? createEventRecorder(kubeConfig, { component: EVENT_SOURCE, log, now: () => new Date(clock.now()) });
    const deps: CertificateStepDeps = { ...DEFAULT_STEP_DEPS, random };
    const single = identities.length === 1;
    for (const id of identities) {
      this.reconcilers.set(certificateKey(id.username), this.certificateReconciler(id, { core, writer, events, deps, clock, log: single ? log : withFields(log, { identity: id.username }) }));
    }
    for (const target of caMirrorTargets(identities)) {
      this.reconcilers.set(caMirrorKey(target), new CaMirrorReconciler({ caches: this.caches, writer, target, log, metrics }));
    }
    this.reconcilers.set('identities', new IdentityRecordReconciler({ core, writer, events, namespace: cfg.namespace, identities, log }));
  }

  private certificateReconciler(
    id: ConfiguredIdentity,
    shared: { core: CoreV1Api; writer: ReturnType<typeof kubernetesObjectWriter>; events: EventRecorder; deps: CertificateStepDeps; clock: Clock; log: Log },
  ): CertificateReconciler {
    const { kubeConfig, config: cfg, metrics } = this.options;
    const store = new PendingStateStore(shared.core, id.pendingSecret.namespace, id.pendingSecret.name);
    this.stores.push(store);
    // This identity's own policy: its CSRs name exactly it, and its issued certificates are checked against it.
    const policy = createCsrPolicy({ scraperIdentity: { username: id.username, groups: id.groups }, signerName: cfg.signerName, maxExpirationSeconds: Math.max(DEFAULT_EXPIRATION_SECONDS, id.expirationSeconds) });
    return new CertificateReconciler({
      caches: this.caches,
      store,
      writer: shared.writer,
      events: shared.events,
      kubeConfig,
      settings: {
        namespace: id.secret.namespace,
        secretName: id.secret.name,
        stateSecretName: id.pendingSecret.name,
        expirationSeconds: id.expirationSeconds,
        policy,
        backoff: this.options.issuanceBackoff ?? DEFAULT_ISSUANCE_BACKOFF,
        maxIdleMs: this.options.maxIdleMs ?? 3_600_000,
        issuanceStallMs: cfg.issuanceStallSeconds * 1000,
        signerProbe: { ...DEFAULT_SIGNER_PROBE, intervalMs: cfg.signerProbeSeconds * 1000 },
      },
      deps: shared.deps,
      clock: shared.clock,
      log: shared.log,
      metrics: identityMetrics(metrics, id.username),
    });
  }

  /** True once every cache has listed at least once. */
  synced(): boolean {
    return this.caches.synced();
  }

  /** Runs one leadership term until `signal` aborts: the operator's own caches, then the work queue. Never rejects on API errors. */
  async run(signal: AbortSignal): Promise<void> {
    const { log, metrics } = this.options;
    const queue = new WorkQueue({ backoff: { initialMs: 500, maxMs: 30_000 }, clock: this.clock, random: this.random });
    this.queue = queue;
    // Another replica may have led meanwhile: read the pending states afresh in every term.
    for (const store of this.stores) store.invalidate();
    const onAbort = () => queue.shutDown();
    signal.addEventListener('abort', onAbort, { once: true });
    // The scoped caches (each identity's Secret, each mirror) are the operator's own in every case.
    this.caches.start();
    try {
      if (signal.aborted) return;
      // Each key starts once ITS caches have listed: an identity whose Secret cannot be watched
      // (its namespace's RBAC missing, say) waits alone.
      for (const key of this.reconcilers.keys()) void this.caches.waitForKey(key, signal).then(() => queue.add(key));
      await queue.run(
        // A worker per key: a reconcile stuck on a slow API call holds only its own key.
        this.reconcilers.size,
        async (key) => {
          const next = await this.reconcilers.get(key as QueueKey)!.reconcile();
          if (next.after === 'now') queue.add(key);
          else if (next.after === 'delay') queue.addAfter(key, next.ms + 10);
        },
        (key, err, retryInMs) => {
          metrics.errors.inc({ operation: key.startsWith('ca-mirror:') ? 'ca-mirror' : key === 'identities' ? 'identities' : 'reconcile' });
          log.warn({ key, error: describeError(err), retryInMs }, 'reconcile failed; retrying');
        },
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
      queue.shutDown();
      if (this.queue === queue) this.queue = undefined;
      await this.caches.stop();
    }
  }
}

/** A secret-free one-line description of an error for logs. */
export function describeError(e: unknown): string {
  if (isOperatorError(e)) return `${e.code}: ${e.message}`;
  return describeApiError(e);
}
