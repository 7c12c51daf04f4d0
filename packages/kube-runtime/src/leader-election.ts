import { CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { describeApiError, isNotFound } from './api-errors.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { KubeRuntimeError } from './errors.js';
import type { Log } from './log.js';
import { silentLog } from './log.js';

/** The election record stored in a Lease (times in epoch ms). */
export interface LeaseRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: number | undefined;
  readonly renewTime: number | undefined;
  readonly leaseTransitions: number;
}

/** Storage for the election record with optimistic concurrency (`version` = resourceVersion). */
export interface LeaseLock {
  /** The current record, or undefined when the lease does not exist. */
  get(): Promise<{ readonly record: LeaseRecord; readonly version: string } | undefined>;
  /** Creates the lease; throws (409) when it already exists. */
  create(record: LeaseRecord): Promise<void>;
  /** Replaces the lease; throws (409) when `version` is stale. */
  update(record: LeaseRecord, version: string): Promise<void>;
  /** `namespace/name` for logs. */
  describe(): string;
}

/** A {@link LeaseLock} on a `coordination.k8s.io/v1` Lease. Needs get/create/update on leases in `namespace`. */
export function kubernetesLeaseLock(kubeConfig: KubeConfig, lease: { namespace: string; name: string }): LeaseLock {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  const { namespace, name } = lease;
  const toSpec = (r: LeaseRecord): V1Lease['spec'] => ({
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    leaseTransitions: r.leaseTransitions,
    ...(r.acquireTime === undefined ? {} : { acquireTime: new V1MicroTime(r.acquireTime) }),
    ...(r.renewTime === undefined ? {} : { renewTime: new V1MicroTime(r.renewTime) }),
  });
  return {
    describe: () => `${namespace}/${name}`,
    async get() {
      let obj: V1Lease;
      try {
        obj = await api.readNamespacedLease({ name, namespace });
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
      const spec = obj.spec ?? {};
      return {
        version: obj.metadata?.resourceVersion ?? '',
        record: {
          holderIdentity: spec.holderIdentity ?? '',
          leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
          leaseTransitions: spec.leaseTransitions ?? 0,
          acquireTime: toMillis(spec.acquireTime),
          renewTime: toMillis(spec.renewTime),
        },
      };
    },
    async create(record) {
      await api.createNamespacedLease({ namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: toSpec(record) } });
    },
    async update(record, version) {
      await api.replaceNamespacedLease({
        name,
        namespace,
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, resourceVersion: version }, spec: toSpec(record) },
      });
    },
  };
}

function toMillis(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Options for {@link LeaderElector}; durations follow client-go's defaults. */
export interface LeaderElectorOptions {
  readonly lock: LeaseLock;
  /** This candidate's unique identity (e.g. hostname + random suffix). */
  readonly identity: string;
  /** How long a lease is valid after its holder's last observed renewal. Default 15000 ms. */
  readonly leaseDurationMs?: number;
  /** The leader gives up when it could not renew for this long. Default 10000 ms; must be < leaseDurationMs. */
  readonly renewDeadlineMs?: number;
  /** Pause between acquire/renew attempts (jittered up to +20 % while acquiring). Default 2000 ms. */
  readonly retryPeriodMs?: number;
  /** Release the lease (empty holder) when `run` is cancelled. Default true. */
  readonly releaseOnCancel?: boolean;
  /** Called on becoming leader; `signal` aborts when leadership ends. Errors are logged. */
  readonly onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called when leadership ends (lost or cancelled). */
  readonly onStoppedLeading?: () => void | Promise<void>;
  /** Called when the observed leader changes (including to ourselves). */
  readonly onNewLeader?: (identity: string) => void;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly log?: Log;
}

/**
 * Lease-based leader election (client-go semantics): a candidate takes the lease when it does not
 * exist, is released (empty holder) or has not changed for `leaseDurationMs` of *local* time (so
 * clock skew between replicas does not matter); the leader renews every `retryPeriodMs` and steps
 * down when it could not renew within `renewDeadlineMs`. Updates use the resourceVersion, so two
 * candidates can never both win the same round. After losing, `run` campaigns again.
 */
export class LeaderElector {
  private readonly o: Required<Omit<LeaderElectorOptions, 'onStoppedLeading' | 'onNewLeader' | 'clock' | 'random' | 'log'>> & LeaderElectorOptions;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Log;
  private observedVersion: string | undefined;
  private observedTime = 0;
  private observedHolder: string | undefined;
  private leading = false;

  constructor(options: LeaderElectorOptions) {
    const leaseDurationMs = options.leaseDurationMs ?? 15_000;
    const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    const retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(leaseDurationMs > renewDeadlineMs) || !(renewDeadlineMs > retryPeriodMs) || retryPeriodMs <= 0) {
      throw new KubeRuntimeError('KUBE_RUNTIME_ERR_LEASE', 'leader election needs leaseDuration > renewDeadline > retryPeriod > 0');
    }
    if (!options.identity) throw new KubeRuntimeError('KUBE_RUNTIME_ERR_LEASE', 'leader election needs a non-empty identity');
    this.o = { releaseOnCancel: true, ...options, leaseDurationMs, renewDeadlineMs, retryPeriodMs };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLog;
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The last observed holder (undefined before the first read). */
  leader(): string | undefined {
    return this.observedHolder;
  }

  /** Campaigns, leads, renews and re-campaigns until `signal` aborts; then releases the lease if held. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const acquired = await this.acquire(signal);
      if (!acquired) break;
      const leadership = new AbortController();
      this.leading = true;
      this.log.info({ lease: this.o.lock.describe(), identity: this.o.identity }, 'became leader');
      void Promise.resolve()
        .then(() => this.o.onStartedLeading(leadership.signal))
        .catch((err: unknown) => this.log.error({ error: String(err) }, 'onStartedLeading failed'));
      await this.renew(signal);
      this.leading = false;
      leadership.abort();
      if (signal.aborted && this.o.releaseOnCancel) await this.release();
      this.log.info({ lease: this.o.lock.describe(), identity: this.o.identity, cancelled: signal.aborted }, 'stopped leading');
      try {
        await this.o.onStoppedLeading?.();
      } catch (err) {
        this.log.error({ error: String(err) }, 'onStoppedLeading failed');
      }
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.attempt(this.o.renewDeadlineMs)) return true;
      await this.clock.sleep(this.o.retryPeriodMs * (1 + 0.2 * this.random()), signal);
    }
    return false;
  }

  private async renew(signal: AbortSignal): Promise<void> {
    let lastRenew = this.clock.now();
    while (!signal.aborted) {
      await this.clock.sleep(this.o.retryPeriodMs, signal);
      if (signal.aborted) return;
      const remaining = this.o.renewDeadlineMs - (this.clock.now() - lastRenew);
      if (remaining > 0 && (await this.attempt(remaining))) {
        lastRenew = this.clock.now();
        continue;
      }
      if (this.clock.now() - lastRenew >= this.o.renewDeadlineMs) {
        this.log.warn({ lease: this.o.lock.describe(), identity: this.o.identity }, 'failed to renew lease within the deadline; stepping down');
        return;
      }
    }
  }

  /** One tryAcquireOrRenew bounded by `timeoutMs`; false on any failure. */
  private async attempt(timeoutMs: number): Promise<boolean> {
    const timer = new AbortController();
    const timeout = this.clock.sleep(timeoutMs, timer.signal).then(() => false);
    try {
      return await Promise.race([this.tryAcquireOrRenew(), timeout]);
    } catch (err) {
      this.log.debug({ lease: this.o.lock.describe(), error: describeApiError(err) }, 'lease attempt failed');
      return false;
    } finally {
      timer.abort();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const id = this.o.identity;
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    const current = await this.o.lock.get();
    if (!current) {
      await this.o.lock.create({ holderIdentity: id, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 });
      this.observe(id, undefined, now);
      return true;
    }
    const { record, version } = current;
    if (version !== this.observedVersion) this.observe(record.holderIdentity, version, this.clock.now());
    const heldByOther = record.holderIdentity !== '' && record.holderIdentity !== id;
    const validFor = (record.leaseDurationSeconds > 0 ? record.leaseDurationSeconds * 1000 : this.o.leaseDurationMs);
    if (heldByOther && this.observedTime + validFor > now) return false;
    const mine = record.holderIdentity === id;
    await this.o.lock.update(
      {
        holderIdentity: id,
        leaseDurationSeconds: durationSeconds,
        acquireTime: mine ? (record.acquireTime ?? now) : now,
        renewTime: now,
        leaseTransitions: mine ? record.leaseTransitions : record.leaseTransitions + 1,
      },
      version,
    );
    this.observe(id, undefined, now);
    return true;
  }

  private observe(holder: string, version: string | undefined, at: number): void {
    if (holder !== this.observedHolder && holder !== '') this.o.onNewLeader?.(holder);
    this.observedHolder = holder;
    this.observedVersion = version;
    this.observedTime = at;
  }

  private async release(): Promise<void> {
    try {
      const current = await this.o.lock.get();
      if (!current || current.record.holderIdentity !== this.o.identity) return;
      const now = this.clock.now();
      await this.o.lock.update(
        { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: current.record.leaseTransitions },
        current.version,
      );
      this.log.info({ lease: this.o.lock.describe(), identity: this.o.identity }, 'released lease');
    } catch (err) {
      this.log.warn({ lease: this.o.lock.describe(), error: describeApiError(err) }, 'could not release lease');
    }
  }
}
