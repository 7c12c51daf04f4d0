import {
  CertificatesV1Api,
  CoreV1Api,
  VersionApi,
  type KubeConfig,
  type V1CertificateSigningRequest,
  type V1ConfigMap,
  type V1Secret,
} from '@kubernetes/client-node';
import { exportPrivateKeyPem, exportSpki, generateKeyPair, importPrivateKeyPem, parseCertificate, type KeyPair } from '@certscrape/pkcs';
import { buildCsrSpec, createCsrPolicy, DEFAULT_EXPIRATION_SECONDS, type CsrPolicy } from '@certscrape/identity';
import {
  createInformer,
  describeApiError,
  isConflict,
  isNotFound,
  systemClock,
  WorkQueue,
  type Clock,
  type Log,
} from '@certscrape/kube-runtime';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { CLIENT_CA_SOURCE, readCaSource, syncCaMirror } from './ca-mirror.js';
import type { OperatorConfig } from './config.js';
import { buildCsrObject, csrIncompatibility, csrSubjectLabelValue, issuedCertificatePem, newCsrName, observeCsr, supportsExpirationSeconds } from './csr-object.js';
import { isOperatorError, OperatorError } from './errors.js';
import { checkIssuedCertificate } from './issued-check.js';
import { assessInstalledPair, rotateAtFor, toHex } from './installed-pair.js';
import type { OperatorMetrics } from './metrics.js';
import { PendingStateStore, type PendingState } from './pending-state.js';
import { plan, type AbandonOutcome, type Action, type CsrObservation, type InstalledPair, type PendingView } from './plan.js';
import { desiredTlsSecret, TLS_SECRET_TYPE } from './tls-secret.js';

/** The part of the configuration the controller uses. */
export type ControllerConfig = Pick<
  OperatorConfig,
  'namespace' | 'secretName' | 'caConfigMapName' | 'stateSecretName' | 'scraperIdentity' | 'signerName' | 'expirationSeconds'
>;

/** Dependencies of {@link CertificateController}; clock and randomness are injectable. */
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
  /** Longest single wait before re-checking anyway (also bounds timers). Default 1 h. */
  readonly maxIdleMs?: number;
}

const CERT_KEY = 'certificate';
const CA_KEY = 'ca-mirror';
const EVENT_SOURCE = 'certscrape-monitoring-operator';

/** Reasons of the Kubernetes Events the operator records on the Secret. */
export const EVENT_REASON: Readonly<Record<AbandonOutcome | 'issued' | 'secretType', string>> = {
  issued: 'CertificateIssued',
  secretType: 'SecretTypeMismatch',
  denied: 'CertificateSigningRequestDenied',
  failed: 'CertificateSigningRequestFailed',
  rejected: 'IssuedCertificateRejected',
  vanished: 'CertificateSigningRequestVanished',
  incompatible: 'CertificateSigningRequestIncompatible',
};

/** Everything one reconcile step read, for apply(). Holds the pending key in memory only. */
interface Snapshot {
  readonly now: Date;
  readonly secret: V1Secret | undefined;
  readonly state: PendingState;
  readonly pendingKeys: KeyPair | undefined;
  readonly csr: V1CertificateSigningRequest | undefined;
  readonly installed: InstalledPair;
}

/**
 * The I/O shell: watches the target Secret, the operator's CSRs and the client CA
 * source, reads the current state fresh on every reconcile, asks {@link plan} for the
 * next step and applies it. One work queue, two keys (`certificate`, `ca-mirror`);
 * API errors are retried with the queue's capped backoff; failed issuances with
 * {@link DEFAULT_BACKOFF}, persisted so a restart does not reset it.
 */
export class CertificateController {
  private readonly core: CoreV1Api;
  private readonly certs: CertificatesV1Api;
  private readonly versionApi: VersionApi;
  private readonly store: PendingStateStore;
  private readonly policy: CsrPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Log;
  private readonly m: OperatorMetrics;
  private readonly cfg: ControllerConfig;
  private readonly informers: { health(): { synced: boolean }; start(): void; stop(): Promise<void> }[] = [];
  private readonly queue: WorkQueue;
  private readonly timers = new Map<string, AbortController>();
  private expirationSupported: boolean | undefined;
  private lastAwaitLogged: string | undefined;
  private readonly recentEvents = new Map<string, number>();
  private started = false;

  constructor(private readonly options: ControllerOptions) {
    const kc = options.kubeConfig;
    this.core = kc.makeApiClient(CoreV1Api);
    this.certs = kc.makeApiClient(CertificatesV1Api);
    this.versionApi = kc.makeApiClient(VersionApi);
    this.cfg = options.config;
    this.store = new PendingStateStore(this.core, this.cfg.namespace, this.cfg.stateSecretName);
    this.policy = createCsrPolicy({
      scraperIdentity: this.cfg.scraperIdentity,
      signerName: this.cfg.signerName,
      maxExpirationSeconds: Math.max(DEFAULT_EXPIRATION_SECONDS, this.cfg.expirationSeconds),
    });
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.log;
    this.m = options.metrics;
    this.queue = new WorkQueue({ backoff: { initialMs: 500, maxMs: 30_000 }, clock: this.clock, random: this.random });
  }

  /** True once every informer has listed at least once. */
  synced(): boolean {
    return this.started && this.informers.every((i) => i.health().synced);
  }

  /** Runs until `signal` aborts: informers, the work queue and timers. Never rejects on API errors. */
  async run(signal: AbortSignal): Promise<void> {
    const ns = this.cfg.namespace;
    const log = this.log;
    const secretInformer = createInformer<V1Secret>(this.options.kubeConfig, {
      name: 'tls-secret',
      path: `/api/v1/namespaces/${ns}/secrets`,
      fieldSelector: `metadata.name=${this.cfg.secretName}`,
      list: () => this.core.listNamespacedSecret({ namespace: ns, fieldSelector: `metadata.name=${this.cfg.secretName}` }),
      log,
    });
    const labelSelector = `certscrape.io/csr-subject=${csrSubjectLabelValue(this.cfg.scraperIdentity)}`;
    const csrInformer = createInformer<V1CertificateSigningRequest>(this.options.kubeConfig, {
      name: 'csrs',
      path: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      labelSelector,
      list: () => this.certs.listCertificateSigningRequest({ labelSelector }),
      log,
    });
    const caSourceInformer = createInformer<V1ConfigMap>(this.options.kubeConfig, {
      name: 'client-ca-source',
      path: `/api/v1/namespaces/${CLIENT_CA_SOURCE.namespace}/configmaps`,
      fieldSelector: `metadata.name=${CLIENT_CA_SOURCE.name}`,
      list: () => this.core.listNamespacedConfigMap({ namespace: CLIENT_CA_SOURCE.namespace, fieldSelector: `metadata.name=${CLIENT_CA_SOURCE.name}` }),
      log,
    });
    const caMirrorInformer = createInformer<V1ConfigMap>(this.options.kubeConfig, {
      name: 'client-ca-mirror',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      fieldSelector: `metadata.name=${this.cfg.caConfigMapName}`,
      list: () => this.core.listNamespacedConfigMap({ namespace: ns, fieldSelector: `metadata.name=${this.cfg.caConfigMapName}` }),
      log,
    });
    secretInformer.on(() => this.queue.add(CERT_KEY));
    csrInformer.on(() => this.queue.add(CERT_KEY));
    caSourceInformer.on(() => {
      this.queue.add(CA_KEY);
      this.queue.add(CERT_KEY);
    });
    caMirrorInformer.on(() => this.queue.add(CA_KEY));
    this.informers.push(secretInformer, csrInformer, caSourceInformer, caMirrorInformer);
    for (const i of this.informers) i.start();
    this.started = true;
    this.queue.add(CA_KEY);
    this.queue.add(CERT_KEY);

    const onAbort = () => this.queue.shutDown();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    try {
      await this.queue.run(2, (key) => (key === CA_KEY ? this.reconcileCaMirror() : this.reconcileCertificate()), (key, err, retryInMs) => {
        this.m.errors.inc({ operation: key === CA_KEY ? 'ca-mirror' : 'reconcile' });
        log.warn({ key, error: describeError(err), retryInMs }, 'reconcile failed; retrying');
      });
    } finally {
      for (const t of this.timers.values()) t.abort();
      await Promise.all(this.informers.map((i) => i.stop()));
    }
  }

  /** Re-queues `key` at `at` (bounded by maxIdleMs), replacing any earlier timer for the key. */
  private scheduleAt(key: string, at: Date): void {
    this.timers.get(key)?.abort();
    const ctl = new AbortController();
    this.timers.set(key, ctl);
    const delay = Math.min(Math.max(0, at.getTime() - this.clock.now()), this.options.maxIdleMs ?? 3_600_000);
    void this.clock.sleep(delay + 10, ctl.signal).then(() => {
      if (!ctl.signal.aborted) this.queue.add(key);
    });
  }

  private async reconcileCaMirror(): Promise<void> {
    let source: V1ConfigMap | undefined;
    try {
      source = await this.core.readNamespacedConfigMap({ name: CLIENT_CA_SOURCE.name, namespace: CLIENT_CA_SOURCE.namespace });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const assessed = readCaSource(source);
    const result = await syncCaMirror(this.core, assessed, { namespace: this.cfg.namespace, name: this.cfg.caConfigMapName });
    if (result === 'retry') throw new OperatorError('OPERATOR_ERR_CONFLICT', `ConfigMap ${this.cfg.namespace}/${this.cfg.caConfigMapName} changed concurrently`);
    if (result === 'hold') {
      this.m.errors.inc({ operation: 'ca-mirror' });
      this.log.warn({ source: `${CLIENT_CA_SOURCE.namespace}/${CLIENT_CA_SOURCE.name}`, state: assessed.state }, 'client CA bundle unavailable; leaving the mirror as it is');
    } else if (result !== 'none') {
      this.m.caBundleUpdates.inc();
      this.log.info({ configMap: `${this.cfg.namespace}/${this.cfg.caConfigMapName}`, action: result }, 'mirrored the client CA bundle');
    }
  }

  /** Runs plan/apply steps until the plan says "wait"; at most a few steps per call. */
  private async reconcileCertificate(): Promise<void> {
    for (let i = 0; i < 8; i++) {
      const waiting = await this.step();
      if (waiting) return;
    }
    this.queue.add(CERT_KEY);
  }

  private async observe(): Promise<Snapshot & { readonly pendingView: PendingView | undefined; readonly csrObs: CsrObservation | undefined }> {
    const now = new Date(this.clock.now());
    const roots = await this.loadRoots();
    const secret = await orUndefined(() => this.core.readNamespacedSecret({ name: this.cfg.secretName, namespace: this.cfg.namespace }));
    const decoded = await this.store.load();
    let state = decoded.state;
    if (decoded.problem) this.log.warn({ stateSecret: `${this.cfg.namespace}/${this.cfg.stateSecretName}`, problem: decoded.problem }, 'pending state unusable');
    let pendingKeys: KeyPair | undefined;
    let pendingView: PendingView | undefined;
    let csr: V1CertificateSigningRequest | undefined;
    let csrObs: CsrObservation | undefined;
    if (state.issuance) {
      try {
        pendingKeys = await importPrivateKeyPem(state.issuance.keyPem);
      } catch {
        // Never include the key or the parser's message (it may quote input) in logs.
        this.log.warn({ csr: state.issuance.csrName }, 'pending key does not import; starting over');
        state = { ...state, issuance: undefined };
        await this.store.save(state);
      }
    }
    if (state.issuance && pendingKeys) {
      const spki = toHex(await exportSpki(pendingKeys));
      pendingView = { csrName: state.issuance.csrName, spki, phase: state.issuance.phase };
      csr = await orUndefined(() => this.certs.readCertificateSigningRequest({ name: state.issuance!.csrName }));
      const keys = pendingKeys;
      csrObs = await observeCsr(csr, { spki, signerName: this.cfg.signerName }, async (certPem) =>
        (await checkIssuedCertificate({ certPem, keys, identity: this.policy.identity, roots, now })).problems,
      );
    }
    const installed = await assessInstalledPair(secret, { identity: this.policy.identity, roots, now });
    return { now, secret, state, pendingKeys, csr, installed, pendingView, csrObs };
  }

  /** One observe -> plan -> apply round. Returns true when the controller should wait for an event or timer. */
  private async step(): Promise<boolean> {
    const snap = await this.observe();
    if (snap.secret?.type !== undefined && snap.secret.type !== TLS_SECRET_TYPE) {
      // The type is immutable and deleting the Secret is never an option: surface it and wait.
      const message = `Secret ${this.cfg.namespace}/${this.cfg.secretName} has type ${snap.secret.type}, want ${TLS_SECRET_TYPE}; not touching it`;
      await this.recordEventOnce(snap.secret, 'Warning', EVENT_REASON.secretType, message);
      throw new OperatorError('OPERATOR_ERR_SECRET_TYPE', message);
    }
    this.recordInstalled(snap.installed);
    const action = plan({ installed: snap.installed, pending: snap.pendingView, csr: snap.csrObs, retryAt: snap.state.retryAt, now: snap.now });
    this.log.debug({ action: action.type, installed: snap.installed.state, pending: snap.pendingView?.csrName }, 'planned');
    return this.apply(action, snap);
  }

  private recordInstalled(installed: InstalledPair): void {
    if (installed.state === 'valid') {
      this.m.certificateNotAfter.set(installed.notAfter.getTime() / 1000);
      this.m.certificateNotBefore.set(installed.notBefore.getTime() / 1000);
      this.m.rotationDeadline.set(installed.rotateAt.getTime() / 1000);
    } else {
      this.m.certificateNotAfter.set(0);
    }
  }

  private async apply(action: Action, snap: Snapshot): Promise<boolean> {
    const { now, state } = snap;
    this.m.consecutiveFailures.set(state.failures);
    switch (action.type) {
      case 'idle':
        this.scheduleAt(CERT_KEY, action.until);
        return true;
      case 'backoff':
        this.log.info({ reason: action.reason, retryAt: action.until.toISOString(), failures: state.failures }, 'issuance needed; waiting for backoff');
        this.scheduleAt(CERT_KEY, action.until);
        return true;
      case 'begin': {
        const keys = await generateKeyPair();
        const keyPem = await exportPrivateKeyPem(keys);
        const csrName = newCsrName((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
        const problems = snap.installed.state === 'unusable' ? snap.installed.problems : undefined;
        // Persist the key and the name BEFORE the CSR exists: a crash after the create resumes this CSR.
        await this.store.save({ ...state, issuance: { csrName, keyPem, phase: 'requesting', reason: action.reason, startedAt: now } });
        this.log.info({ reason: action.reason, problems, csr: csrName }, 'starting certificate issuance');
        return false;
      }
      case 'create-csr':
        await this.createCsr(action.csrName, snap);
        return false;
      case 'await':
        if (this.lastAwaitLogged !== `${action.csrName}/${action.approved}`) {
          this.lastAwaitLogged = `${action.csrName}/${action.approved}`;
          this.log.info({ csr: action.csrName, approved: action.approved }, action.approved ? 'CSR approved; waiting for the signer' : 'waiting for CSR approval');
        }
        return true;
      case 'install':
        await this.install(action.csrName, snap);
        return false;
      case 'finish':
        await this.deleteCsr(action.csrName);
        await this.store.save({ issuance: undefined, failures: 0, retryAt: undefined });
        this.log.info({ csr: action.csrName }, 'issuance already installed; cleaned up');
        return false;
      case 'abandon':
        await this.abandon(action, snap);
        return false;
    }
  }

  private async createCsr(csrName: string, snap: Snapshot): Promise<void> {
    const issuance = snap.state.issuance;
    const keys = snap.pendingKeys;
    if (!issuance || !keys) throw new OperatorError('OPERATOR_ERR_PENDING_STATE', 'create-csr without a pending key');
    const spec = await buildCsrSpec(this.policy, keys, { expirationSeconds: this.cfg.expirationSeconds });
    const body = buildCsrObject({ name: csrName, spec, username: this.cfg.scraperIdentity, includeExpirationSeconds: await this.expirationSecondsSupported() });
    try {
      await this.certs.createCertificateSigningRequest({ body });
      this.m.csrsCreated.inc();
      this.log.info({ csr: csrName, signer: spec.signerName, usages: spec.usages, expirationSeconds: body.spec.expirationSeconds }, 'created CSR');
    } catch (e) {
      if (!isConflict(e)) throw new OperatorError('OPERATOR_ERR_CSR_CREATE', `creating CertificateSigningRequest ${csrName}: ${describeApiError(e)}`, { cause: e });
      // Idempotent create: a CSR with our name exists. It is ours only if it requests our key.
      const existing = await this.certs.readCertificateSigningRequest({ name: csrName });
      const spki = toHex(await exportSpki(keys));
      const problem = csrIncompatibility(existing, { spki, signerName: this.cfg.signerName });
      this.log.info({ csr: csrName, compatible: problem === undefined }, 'CSR already exists');
      // An incompatible one is abandoned by the next plan() round.
      if (problem) return;
    }
    await this.store.save({ ...snap.state, issuance: { ...issuance, phase: 'requested' } });
  }

  private async install(csrName: string, snap: Snapshot): Promise<void> {
    const issuance = snap.state.issuance;
    const certPem = issuedCertificatePem(snap.csr);
    if (!issuance || !certPem) throw new OperatorError('OPERATOR_ERR_PENDING_STATE', 'install without a pending key or an issued certificate');
    const cert = parseCertificate(certPem);
    const target = { namespace: this.cfg.namespace, name: this.cfg.secretName };
    const body = desiredTlsSecret(snap.secret, target, { certPem: cert.pem, keyPem: issuance.keyPem, notBefore: cert.notBefore, notAfter: cert.notAfter, issuedAt: snap.now });
    let written: V1Secret;
    try {
      written = snap.secret
        ? await this.core.replaceNamespacedSecret({ name: target.name, namespace: target.namespace, body })
        : await this.core.createNamespacedSecret({ namespace: target.namespace, body });
    } catch (e) {
      if (isConflict(e)) throw new OperatorError('OPERATOR_ERR_CONFLICT', `Secret ${target.namespace}/${target.name} changed while installing; re-reading`, { cause: e });
      throw e;
    }
    const rotateAt = rotateAtFor(cert, snap.now);
    this.m.rotations.inc({ reason: issuance.reason });
    this.m.csrOutcomes.inc({ outcome: 'issued' });
    this.m.certificateNotAfter.set(cert.notAfter.getTime() / 1000);
    this.m.certificateNotBefore.set(cert.notBefore.getTime() / 1000);
    this.m.rotationDeadline.set(rotateAt.getTime() / 1000);
    this.log.info(
      { csr: csrName, reason: issuance.reason, serial: cert.serialNumber, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(), rotateAt: rotateAt.toISOString() },
      'installed new client certificate',
    );
    await this.recordEvent(written, 'Normal', EVENT_REASON.issued, `Installed certificate from CertificateSigningRequest ${csrName}, valid until ${cert.notAfter.toISOString()}`);
    await this.deleteCsr(csrName);
    await this.store.save({ issuance: undefined, failures: 0, retryAt: undefined });
  }

  private async abandon(action: Extract<Action, { type: 'abandon' }>, snap: Snapshot): Promise<void> {
    const failures = snap.state.failures + 1;
    const delay = backoffDelayMs(failures, this.random, this.options.issuanceBackoff ?? DEFAULT_BACKOFF);
    const retryAt = new Date(snap.now.getTime() + delay);
    this.m.csrOutcomes.inc({ outcome: action.outcome });
    this.m.consecutiveFailures.set(failures);
    this.log.warn({ csr: action.csrName, outcome: action.outcome, message: action.message, failures, retryInMs: delay }, 'certificate signing request did not produce a usable certificate');
    await this.recordEvent(snap.secret, 'Warning', EVENT_REASON[action.outcome], `CertificateSigningRequest ${action.csrName} ${action.outcome}: ${action.message}; retrying in ${Math.round(delay / 1000)}s`);
    await this.store.save({ issuance: undefined, failures, retryAt });
  }

  private async deleteCsr(name: string): Promise<void> {
    try {
      await this.certs.deleteCertificateSigningRequest({ name });
      this.log.info({ csr: name }, 'deleted used CSR');
    } catch (e) {
      if (isNotFound(e)) return;
      // Leftovers are harmless (the csrcleaner removes them within the hour); do not block.
      this.m.errors.inc({ operation: 'cleanup' });
      this.log.warn({ csr: name, error: describeApiError(e) }, 'could not delete used CSR');
    }
  }

  /** Like recordEvent, but the same reason+message at most once per 10 minutes (for conditions retried in a loop). */
  private async recordEventOnce(secret: V1Secret | undefined, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const key = `${reason}/${message}`;
    const now = this.clock.now();
    const last = this.recentEvents.get(key);
    if (last !== undefined && now - last < 600_000) return;
    this.recentEvents.set(key, now);
    await this.recordEvent(secret, type, reason, message);
  }

  /** A core/v1 Event on the target Secret (which may not exist yet). Failures are counted, not thrown. */
  private async recordEvent(secret: V1Secret | undefined, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date(this.clock.now());
    const suffix = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
    try {
      await this.core.createNamespacedEvent({
        namespace: this.cfg.namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${this.cfg.secretName}.${suffix}`, namespace: this.cfg.namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Secret', name: this.cfg.secretName, namespace: this.cfg.namespace, ...(secret?.metadata?.uid ? { uid: secret.metadata.uid } : {}) },
          reason,
          message: message.slice(0, 1024),
          type,
          source: { component: EVENT_SOURCE },
          reportingComponent: EVENT_SOURCE,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (e) {
      this.m.errors.inc({ operation: 'event' });
      this.log.warn({ reason, error: describeApiError(e) }, 'could not record event');
    }
  }

  private async loadRoots() {
    const source = await orUndefined(() => this.core.readNamespacedConfigMap({ name: CLIENT_CA_SOURCE.name, namespace: CLIENT_CA_SOURCE.namespace }));
    const assessed = readCaSource(source);
    if (assessed.state !== 'valid') {
      // Without the CA we cannot judge the installed pair: wait, never reissue blindly.
      throw new OperatorError('OPERATOR_ERR_CA_BUNDLE', assessed.state === 'missing' ? `${CLIENT_CA_SOURCE.namespace}/${CLIENT_CA_SOURCE.name} has no ${CLIENT_CA_SOURCE.key}` : assessed.message);
    }
    return assessed.roots;
  }

  private async expirationSecondsSupported(): Promise<boolean> {
    if (this.expirationSupported === undefined) {
      const v = await this.versionApi.getCode();
      this.expirationSupported = supportsExpirationSeconds(v);
      this.log.info({ serverVersion: v.gitVersion, expirationSeconds: this.expirationSupported }, 'checked server support for spec.expirationSeconds');
    }
    return this.expirationSupported;
  }
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** A secret-free one-line description of an error for logs. */
export function describeError(e: unknown): string {
  if (isOperatorError(e)) return `${e.code}: ${e.message}`;
  return describeApiError(e);
}
