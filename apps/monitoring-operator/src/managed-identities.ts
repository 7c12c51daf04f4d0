import type { V1ConfigMap } from '@kubernetes/client-node';
import { formatNamespacedName, type ConfiguredIdentity, type NamespacedName } from '@certscrape/identity';
import { MANAGED_BY_LABEL } from './pending-state.js';

/**
 * How the operator knows an identity was removed from its configuration. It keeps, in its own
 * namespace, a record of the identities it managed (ConfigMap
 * `certscrape-monitoring-operator-identities`, key `identities.json`: usernames and Secret names,
 * nothing secret). At the start of each leadership term it compares the record with the
 * configuration: every recorded identity (username + Secret) no longer configured gets one
 * `IdentityRemoved` Event on its Secret, which is left exactly as it is (no renewal, no delete);
 * then the record is replaced by the configured set. Listing Secrets by label would need an
 * unpinned `list` on Secrets (every Secret's data in those namespaces); one ConfigMap pinned by
 * name needs only `get`/`update` on it. Pure: the reconciler does the reads and writes.
 */

/** Name of the record ConfigMap (in the operator's `--namespace`). */
export const MANAGED_IDENTITIES_CONFIGMAP = 'certscrape-monitoring-operator-identities';
/** Its data key. */
export const MANAGED_IDENTITIES_KEY = 'identities.json';
/** Reason of the Event recorded on a removed identity's Secret. */
export const IDENTITY_REMOVED_REASON = 'IdentityRemoved';

/** One identity as recorded: whose pair was kept where. */
export interface RecordedIdentity {
  readonly username: string;
  readonly secret: NamespacedName;
  readonly pendingSecret: NamespacedName;
}

/** What the reconciler does: the Events for removed identities, then (when it changed) the record to write. */
export interface IdentityRecordPlan {
  /** Recorded identities no longer configured (same username and Secret), in record order. */
  readonly removed: readonly RecordedIdentity[];
  /** The record to write (create when there is none, replace guarded by its resourceVersion), or undefined when it is current. */
  readonly write: { readonly verb: 'create' | 'replace'; readonly body: V1ConfigMap } | undefined;
  /** Set when the existing record was unreadable (then treated as empty: nothing is reported removed). */
  readonly problem: string | undefined;
}

const sameIdentity = (a: RecordedIdentity, b: RecordedIdentity) => a.username === b.username && formatNamespacedName(a.secret) === formatNamespacedName(b.secret);

/** Reads the record (undefined ConfigMap = nothing recorded yet). Tolerant: an unreadable record is empty, with a problem. */
export function decodeIdentityRecord(cm: V1ConfigMap | undefined): { readonly identities: readonly RecordedIdentity[]; readonly problem: string | undefined } {
  const text = cm?.data?.[MANAGED_IDENTITIES_KEY];
  if (text === undefined) return { identities: [], problem: cm ? `ConfigMap ${MANAGED_IDENTITIES_CONFIGMAP} has no ${MANAGED_IDENTITIES_KEY}` : undefined };
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error('not a list');
    const ref = (v: unknown): NamespacedName => {
      const r = v as Partial<NamespacedName> | null;
      if (typeof r?.namespace !== 'string' || typeof r.name !== 'string') throw new Error('bad reference');
      return { namespace: r.namespace, name: r.name };
    };
    return {
      identities: parsed.map((e: unknown) => {
        const o = e as { username?: unknown; secret?: unknown; pendingSecret?: unknown } | null;
        if (typeof o?.username !== 'string') throw new Error('bad username');
        return { username: o.username, secret: ref(o.secret), pendingSecret: ref(o.pendingSecret) };
      }),
      problem: undefined,
    };
  } catch {
    return { identities: [], problem: `ConfigMap ${MANAGED_IDENTITIES_CONFIGMAP} does not hold a valid record; starting a new one` };
  }
}

/** The record ConfigMap for `identities`, guarded by `existing`'s resourceVersion. */
export function identityRecordConfigMap(existing: V1ConfigMap | undefined, namespace: string, identities: readonly RecordedIdentity[]): V1ConfigMap {
  const rv = existing?.metadata?.resourceVersion;
  const entries = identities.map((i) => ({ username: i.username, secret: { namespace: i.secret.namespace, name: i.secret.name }, pendingSecret: { namespace: i.pendingSecret.namespace, name: i.pendingSecret.name } }));
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: MANAGED_IDENTITIES_CONFIGMAP, namespace, labels: { ...MANAGED_BY_LABEL }, ...(rv ? { resourceVersion: rv } : {}) },
    data: { [MANAGED_IDENTITIES_KEY]: `${JSON.stringify(entries, null, 2)}\n` },
  };
}

/** Compares the record with the configured identities: who was removed, and the record to write. Pure. */
export function planIdentityRecord(existing: V1ConfigMap | undefined, namespace: string, configured: readonly Pick<ConfiguredIdentity, 'username' | 'secret' | 'pendingSecret'>[]): IdentityRecordPlan {
  const { identities: recorded, problem } = decodeIdentityRecord(existing);
  const now: RecordedIdentity[] = configured.map((c) => ({ username: c.username, secret: c.secret, pendingSecret: c.pendingSecret }));
  const removed = recorded.filter((r) => !now.some((c) => sameIdentity(r, c)));
  const body = identityRecordConfigMap(existing, namespace, now);
  const current = existing?.data?.[MANAGED_IDENTITIES_KEY] === body.data![MANAGED_IDENTITIES_KEY];
  return { removed, write: current ? undefined : { verb: existing ? 'replace' : 'create', body }, problem };
}

/** The Event message for a removed identity (public facts only). */
export function identityRemovedMessage(r: RecordedIdentity): string {
  return `Identity ${r.username} is no longer configured: Secret ${formatNamespacedName(r.secret)} is no longer renewed and is left as it is (its pending state ${formatNamespacedName(r.pendingSecret)} too); it stops working when its certificate expires`;
}
