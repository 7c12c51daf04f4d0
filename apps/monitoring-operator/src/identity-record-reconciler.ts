import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import type { ConfiguredIdentity } from '@certscrape/identity';
import { isNotFound, type EventRecorder, type Log } from '@certscrape/kube-runtime';
import type { Next } from './certificate-step.js';
import { IDENTITY_REMOVED_REASON, identityRemovedMessage, MANAGED_IDENTITIES_CONFIGMAP, planIdentityRecord } from './managed-identities.js';
import { describeWrite, type ObjectWriter } from './object-write.js';

/**
 * The `identities` reconciler, once per leadership term: reads the record of managed identities
 * (one GET by name), records an `IdentityRemoved` Event on the Secret of every identity that is no
 * longer configured (the Secret itself is never read or written), then writes the record of the
 * configured set. A lost write race reads again; API errors are thrown for the queue's backoff.
 * See managed-identities.ts.
 */
export class IdentityRecordReconciler {
  constructor(
    private readonly o: {
      readonly core: CoreV1Api;
      readonly writer: ObjectWriter;
      readonly events: EventRecorder;
      readonly namespace: string;
      readonly identities: readonly ConfiguredIdentity[];
      readonly log: Log;
    },
  ) {}

  async reconcile(): Promise<Next> {
    const { core, writer, events, namespace, log } = this.o;
    let existing: V1ConfigMap | undefined;
    try {
      existing = await core.readNamespacedConfigMap({ name: MANAGED_IDENTITIES_CONFIGMAP, namespace });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const plan = planIdentityRecord(existing, namespace, this.o.identities);
    if (plan.problem) log.warn({ configMap: `${namespace}/${MANAGED_IDENTITIES_CONFIGMAP}`, problem: plan.problem }, 'record of managed identities unusable');
    for (const r of plan.removed) {
      log.warn({ identity: r.username, secret: `${r.secret.namespace}/${r.secret.name}` }, 'identity removed from the configuration; its Secret is no longer renewed and is left as it is');
      await events.event({ apiVersion: 'v1', kind: 'Secret', name: r.secret.name, namespace: r.secret.namespace }, 'Warning', IDENTITY_REMOVED_REASON, identityRemovedMessage(r));
    }
    if (!plan.write) return { after: 'event' };
    const write = { verb: plan.write.verb, kind: 'ConfigMap', body: plan.write.body } as const;
    const outcome = await writer.apply(write);
    if (outcome.result === 'stale') {
      log.info({ write: describeWrite(write), status: outcome.status }, 'record of managed identities changed meanwhile; reading it again');
      return { after: 'now' };
    }
    log.info({ configMap: `${namespace}/${MANAGED_IDENTITIES_CONFIGMAP}`, identities: this.o.identities.map((i) => i.username) }, 'recorded the managed identities');
    return { after: 'event' };
  }
}
