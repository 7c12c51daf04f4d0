import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { isNotFound } from '@certscrape/kube-runtime';
import { ISSUE_REASONS, type IssueReason } from './plan.js';

/**
 * One issuance in flight. Persisted BEFORE the CSR is created, so a restart (even
 * `kill -9` right after the create) resumes the same CSR with the same key.
 */
export interface PendingIssuance {
  /** Name of the CSR (chosen before creation; see csr-object.ts). */
  readonly csrName: string;
  /** PKCS#8 PEM of the pending private key. Never logged. */
  readonly keyPem: string;
  /** `requesting` until the create call succeeded (or conflicted compatibly), then `requested`. */
  readonly phase: 'requesting' | 'requested';
  /** Why this issuance started (for the rotations metric and logs). */
  readonly reason: IssueReason;
  readonly startedAt: Date;
}

/** Everything the operator persists besides the target Secret. */
export interface PendingState {
  readonly issuance: PendingIssuance | undefined;
  /** Consecutive failed issuances (denied, failed, rejected, vanished); drives the backoff. */
  readonly failures: number;
  /** No new issuance before this instant. */
  readonly retryAt: Date | undefined;
}

/** The state with nothing pending and no failures. */
export const EMPTY_PENDING_STATE: PendingState = Object.freeze({ issuance: undefined, failures: 0, retryAt: undefined });

/** Secret data key holding the pending private key. */
export const PENDING_KEY_DATA = 'pending.key';
const A = {
  csrName: 'certscrape.io/csr-name',
  phase: 'certscrape.io/phase',
  reason: 'certscrape.io/reason',
  startedAt: 'certscrape.io/started-at',
  failures: 'certscrape.io/failures',
  retryAt: 'certscrape.io/retry-at',
} as const;
/**
 * Annotation on both Secrets the operator writes for an identity (the pair and the pending state):
 * the username whose pair it holds. A label cannot carry a username (`:` is not a label character).
 * The operator never writes a pair into a Secret marked as another identity's.
 */
export const IDENTITY_ANNOTATION = 'certscrape.io/identity';
/** Label on the objects the operator owns. */
export const MANAGED_BY_LABEL = { 'app.kubernetes.io/managed-by': 'certscrape-monitoring-operator' } as const;

/** The Secret `data` (base64) and annotations encoding `state`. Pure. */
export function encodePendingState(state: PendingState): { data: Record<string, string>; annotations: Record<string, string> } {
  const annotations: Record<string, string> = { [A.failures]: String(state.failures) };
  if (state.retryAt) annotations[A.retryAt] = state.retryAt.toISOString();
  const data: Record<string, string> = {};
  const p = state.issuance;
  if (p) {
    data[PENDING_KEY_DATA] = Buffer.from(p.keyPem, 'utf8').toString('base64');
    annotations[A.csrName] = p.csrName;
    annotations[A.phase] = p.phase;
    annotations[A.reason] = p.reason;
    annotations[A.startedAt] = p.startedAt.toISOString();
  }
  return { data, annotations };
}

/** Result of decoding: the state, plus a problem description when parts were unusable (then dropped). */
export interface DecodedPendingState {
  readonly state: PendingState;
  readonly problem: string | undefined;
}


/**
 * Reads the state from the Secret (undefined = no Secret = empty state). An inconsistent
 * issuance (key without name, bad phase) is dropped and reported, never thrown: the
 * operator then starts over, which is always safe.
 */
export function decodePendingState(secret: Pick<V1Secret, 'data' | 'metadata'> | undefined): DecodedPendingState {
  if (!secret) return { state: EMPTY_PENDING_STATE, problem: undefined };
  const ann = secret.metadata?.annotations ?? {};
  const failuresRaw = Number(ann[A.failures] ?? '0');
  const failures = Number.isSafeInteger(failuresRaw) && failuresRaw >= 0 ? failuresRaw : 0;
  const retryAtText = ann[A.retryAt];
  const retryAtMs = retryAtText ? Date.parse(retryAtText) : NaN;
  const retryAt = Number.isFinite(retryAtMs) ? new Date(retryAtMs) : undefined;
  const keyB64 = secret.data?.[PENDING_KEY_DATA];
  const csrName = ann[A.csrName];
  if (!keyB64 && !csrName) return { state: { issuance: undefined, failures, retryAt }, problem: undefined };
  const phase = ann[A.phase];
  const reason = ann[A.reason] as IssueReason | undefined;
  const startedMs = Date.parse(ann[A.startedAt] ?? '');
  const keyPem = keyB64 ? Buffer.from(keyB64, 'base64').toString('utf8') : '';
  if (!keyPem.includes('PRIVATE KEY') || !csrName || (phase !== 'requesting' && phase !== 'requested') || !reason || !ISSUE_REASONS.includes(reason) || !Number.isFinite(startedMs)) {
    return { state: { issuance: undefined, failures, retryAt }, problem: 'pending issuance is incomplete; starting over' };
  }
  return { state: { issuance: { csrName, keyPem, phase, reason, startedAt: new Date(startedMs) }, failures, retryAt }, problem: undefined };
}

/**
 * The whole pending-state Secret to write for `state` (default
 * `monitoring/metrics-client-certs-pending`, type Opaque, marked with `target.identity`): a create when there is none yet,
 * otherwise a replace guarded by the resourceVersion of `existing`. Pure.
 */
export function pendingStateSecret(existing: V1Secret | undefined, target: { readonly namespace: string; readonly name: string; readonly identity?: string }, state: PendingState): V1Secret {
  const encoded = encodePendingState(state);
  const data = encoded.data;
  const annotations = target.identity !== undefined ? { ...encoded.annotations, [IDENTITY_ANNOTATION]: target.identity } : encoded.annotations;
  const rv = existing?.metadata?.resourceVersion;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: target.name, namespace: target.namespace, labels: { ...MANAGED_BY_LABEL }, annotations, ...(rv ? { resourceVersion: rv } : {}) },
    data,
  };
}

/**
 * The operator's own copy of the pending-state Secret. The Secret is read by name only (RBAC:
 * `get`, `update`; no list/watch), so this is the cache: loaded with one GET when leadership
 * starts or after a lost write race, then kept current from the responses of the operator's
 * own writes. Only the leader writes it.
 */
export class PendingStateStore {
  private current: V1Secret | undefined;
  private loaded = false;

  constructor(
    private readonly core: CoreV1Api,
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** True once {@link load} succeeded and no write race invalidated it since. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** The last known Secret (undefined = none exists). */
  get object(): V1Secret | undefined {
    return this.current;
  }

  /** Reads the Secret (one GET; absent is fine). */
  async load(): Promise<void> {
    try {
      this.current = await this.core.readNamespacedSecret({ name: this.name, namespace: this.namespace });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.current = undefined;
    }
    this.loaded = true;
  }

  /** Records the object a write of this Secret returned. */
  written(object: V1Secret): void {
    this.current = object;
  }

  /** Forgets the copy (a write lost a race): the next reconcile loads it again. */
  invalidate(): void {
    this.loaded = false;
  }
}
