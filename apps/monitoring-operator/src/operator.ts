import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createCsrPolicy, DEFAULT_EXPIRATION_SECONDS } from '@certscrape/identity';
import { createEventRecorder, describeApiError, systemClock, WorkQueue, type Clock, type Log } from '@certscrape/kube-runtime';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { CaMirrorReconciler } from './ca-mirror-reconciler.js';
import { CertificateReconciler } from './certificate-reconciler.js';
import { DEFAULT_STEP_DEPS, type CertificateStepDeps, type Next } from './certificate-step.js';
import type { OperatorConfig } from './config.js';
import { isOperatorError } from './errors.js';
import type { OperatorMetrics } from './metrics.js';
import { kubernetesObjectWriter } from './object-write.js';
import { OperatorCaches, type CacheTopic } from './operator-caches.js';
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
  /** Backoff after a failed issuance. Default {@link DEFAULT_BACKOFF} (1 s doubling to 5 min, ±20 %). */
  readonly issuanceBackoff?: BackoffPolicy;
  /** Longest single wait before re-checking anyway. Default 1 h. */
  readonly maxIdleMs?: number;
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
  private readonly queue: WorkQueue;
  private readonly reconcilers: Readonly<Record<CacheTopic, { reconcile(): Promise<Next> }>>;

  constructor(private readonly options: ControllerOptions) {
    const { kubeConfig, config: cfg, log, metrics } = options;
    const clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    this.caches = new OperatorCaches(kubeConfig, cfg, { log, clock });
    this.queue = new WorkQueue({ backoff: { initialMs: 500, maxMs: 30_000 }, clock, random });
    const writer = kubernetesObjectWriter(kubeConfig);
    const policy = createCsrPolicy({ scraperIdentity: cfg.scraperIdentity, signerName: cfg.signerName, maxExpirationSeconds: Math.max(DEFAULT_EXPIRATION_SECONDS, cfg.expirationSeconds) });
    const deps: CertificateStepDeps = { ...DEFAULT_STEP_DEPS, random };
    this.reconcilers = {
      certificate: new CertificateReconciler({
        caches: this.caches,
        store: new PendingStateStore(kubeConfig.makeApiClient(CoreV1Api), cfg.namespace, cfg.stateSecretName),
        writer,
        events: createEventRecorder(kubeConfig, { component: EVENT_SOURCE, log, now: () => new Date(clock.now()) }),
        kubeConfig,
        settings: {
          namespace: cfg.namespace,
          secretName: cfg.secretName,
          stateSecretName: cfg.stateSecretName,
          expirationSeconds: cfg.expirationSeconds,
          policy,
          backoff: options.issuanceBackoff ?? DEFAULT_BACKOFF,
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

  /** Runs until `signal` aborts: caches, then the work queue. Never rejects on API errors. */
  async run(signal: AbortSignal): Promise<void> {
    const { log, metrics } = this.options;
    const onAbort = () => this.queue.shutDown();
    signal.addEventListener('abort', onAbort, { once: true });
    // Events before the first full list would reconcile against a partial view: they are
    // dropped, and both keys are queued once every cache has synced.
    this.caches.onChange((topic) => {
      if (this.caches.synced()) this.queue.add(topic);
    });
    this.caches.start();
    try {
      await this.caches.waitForSync(signal);
      if (signal.aborted) return;
      this.queue.add('ca-mirror');
      this.queue.add('certificate');
      await this.queue.run(
        2,
        async (key) => {
          const next = await this.reconcilers[key as CacheTopic].reconcile();
          if (next.after === 'now') this.queue.add(key);
          else if (next.after === 'delay') this.queue.addAfter(key, next.ms + 10);
        },
        (key, err, retryInMs) => {
          metrics.errors.inc({ operation: key === 'ca-mirror' ? 'ca-mirror' : 'reconcile' });
          log.warn({ key, error: describeError(err), retryInMs }, 'reconcile failed; retrying');
        },
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.queue.shutDown();
      await this.caches.stop();
    }
  }
}

/** A secret-free one-line description of an error for logs. */
export function describeError(e: unknown): string {
  if (isOperatorError(e)) return `${e.code}: ${e.message}`;
  return describeApiError(e);
}
