import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createCsrPolicy, DEFAULT_EXPIRATION_SECONDS } from '@certscrape/identity';
import { createEventRecorder, describeApiError, systemClock, WorkQueue, type BackoffOptions, type Clock, type EventRecorder, type Log } from '@certscrape/kube-runtime';
import { CaMirrorReconciler } from './ca-mirror-reconciler.js';
import { CertificateReconciler } from './certificate-reconciler.js';
import { DEFAULT_ISSUANCE_BACKOFF, DEFAULT_STEP_DEPS, type CertificateStepDeps, type Next } from './certificate-step.js';
import type { OperatorConfig } from './config.js';
import { isOperatorError } from './errors.js';
import type { OperatorMetrics } from './metrics.js';
import { kubernetesObjectWriter } from './object-write.js';
import { OperatorCaches, type CacheTopic, type InformerFactory } from './operator-caches.js';
import { PendingStateStore } from './pending-state.js';

/** The part of the configuration the operator uses. */
export type ControllerConfig = Pick<
  OperatorConfig,
  'namespace' | 'secretName' | 'caConfigMapName' | 'stateSecretName' | 'scraperIdentity' | 'signerName' | 'expirationSeconds'
>;

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

/**
 * The monitoring operator while it leads: four informer caches feed one work queue with two
 * keys, `certificate` ({@link CertificateReconciler}) and `ca-mirror` ({@link CaMirrorReconciler}).
 * Each queue item is one observe from the caches and at most one write; waiting is the queue's
 * `addAfter`, never a private timer. API errors are retried with the queue's capped backoff.
 */
export class MonitoringOperator {
  private readonly caches: OperatorCaches;
  private readonly ownsCaches: boolean;
  private readonly clock: Clock;
  private readonly random: () => number;
  /** The queue of the current leadership term (a shut-down queue cannot be reused). */
  private queue: WorkQueue | undefined;
  private readonly store: PendingStateStore;
  private readonly reconcilers: Readonly<Record<CacheTopic, { reconcile(): Promise<Next> }>>;

  constructor(private readonly options: ControllerOptions) {
    const { kubeConfig, config: cfg, log, metrics } = options;
    const clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    this.clock = clock;
    this.random = random;
    this.ownsCaches = options.informer === undefined;
    this.caches = new OperatorCaches(kubeConfig, cfg, { log, clock, ...(options.informer ? { informer: options.informer } : {}) });
    // Events before the first full list would reconcile against a partial view: they are dropped,
    // and both keys are queued once every cache has synced.
    this.caches.onChange((topic) => {
      if (this.caches.synced()) this.queue?.add(topic);
    });
    const writer = kubernetesObjectWriter(kubeConfig);
    this.store = new PendingStateStore(kubeConfig.makeApiClient(CoreV1Api), cfg.namespace, cfg.stateSecretName);
    const policy = createCsrPolicy({ scraperIdentity: cfg.scraperIdentity, signerName: cfg.signerName, maxExpirationSeconds: Math.max(DEFAULT_EXPIRATION_SECONDS, cfg.expirationSeconds) });
    const deps: CertificateStepDeps = { ...DEFAULT_STEP_DEPS, random };
    this.reconcilers = {
      certificate: new CertificateReconciler({
        caches: this.caches,
        store: this.store,
        writer,
        events: options.events ?? createEventRecorder(kubeConfig, { component: EVENT_SOURCE, log, now: () => new Date(clock.now()) }),
        kubeConfig,
        settings: {
          namespace: cfg.namespace,
          secretName: cfg.secretName,
          stateSecretName: cfg.stateSecretName,
          expirationSeconds: cfg.expirationSeconds,
          policy,
          backoff: options.issuanceBackoff ?? DEFAULT_ISSUANCE_BACKOFF,
          maxIdleMs: options.maxIdleMs ?? 3_600_000,
        },
        deps,
        clock,
        log,
        metrics,
      }),
      'ca-mirror': new CaMirrorReconciler({ caches: this.caches, writer, target: { namespace: cfg.namespace, name: cfg.caConfigMapName }, log, metrics }),
    };
  }

  /** True once every cache has listed at least once. */
  synced(): boolean {
    return this.caches.synced();
  }

  /** Runs one leadership term until `signal` aborts: caches (when owned), then the work queue. Never rejects on API errors. */
  async run(signal: AbortSignal): Promise<void> {
    const { log, metrics } = this.options;
    const queue = new WorkQueue({ backoff: { initialMs: 500, maxMs: 30_000 }, clock: this.clock, random: this.random });
    this.queue = queue;
    // Another replica may have led meanwhile: read the pending state afresh in every term.
    this.store.invalidate();
    const onAbort = () => queue.shutDown();
    signal.addEventListener('abort', onAbort, { once: true });
    if (this.ownsCaches) this.caches.start();
    try {
      await this.caches.waitForSync(signal);
      if (signal.aborted) return;
      queue.add('ca-mirror');
      queue.add('certificate');
      await queue.run(
        2,
        async (key) => {
          const next = await this.reconcilers[key as CacheTopic].reconcile();
          if (next.after === 'now') queue.add(key);
          else if (next.after === 'delay') queue.addAfter(key, next.ms + 10);
        },
        (key, err, retryInMs) => {
          metrics.errors.inc({ operation: key === 'ca-mirror' ? 'ca-mirror' : 'reconcile' });
          log.warn({ key, error: describeError(err), retryInMs }, 'reconcile failed; retrying');
        },
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
      queue.shutDown();
      if (this.queue === queue) this.queue = undefined;
      if (this.ownsCaches) await this.caches.stop();
    }
  }
}

/** A secret-free one-line description of an error for logs. */
export function describeError(e: unknown): string {
  if (isOperatorError(e)) return `${e.code}: ${e.message}`;
  return describeApiError(e);
}
