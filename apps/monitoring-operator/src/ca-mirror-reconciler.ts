import type { Log } from '@certscrape/kube-runtime';
import { CLIENT_CA_SOURCE, planCaMirror, readCaSource } from './ca-mirror.js';
import type { Next } from './certificate-step.js';
import type { OperatorMetrics } from './metrics.js';
import { describeWrite, type ObjectWriter } from './object-write.js';
import type { OperatorCaches } from './operator-caches.js';

/**
 * The `ca-mirror` reconciler of one mirror ConfigMap (queue key `ca-mirror:<namespace>/<name>`): one observe of the two caches (source and mirror), the pure
 * {@link planCaMirror} (whose action carries the exact ConfigMap), at most one write. A missing
 * or broken source is a blocked outcome: logged once, the mirror is left as it is, and the
 * next change of the source wakes it.
 */
export class CaMirrorReconciler {
  private lastHold: string | undefined;

  constructor(
    private readonly o: {
      readonly caches: OperatorCaches;
      readonly writer: ObjectWriter;
      readonly target: { readonly namespace: string; readonly name: string };
      readonly log: Log;
      readonly metrics: OperatorMetrics;
    },
  ) {}

  async reconcile(): Promise<Next> {
    const { caches, writer, target, log, metrics } = this.o;
    const action = planCaMirror(readCaSource(caches.caSource()), caches.caMirror(target), target);
    if (action.type === 'hold') {
      if (this.lastHold !== action.message) {
        this.lastHold = action.message;
        metrics.errors.inc({ operation: 'ca-mirror' });
        log.warn({ source: `${CLIENT_CA_SOURCE.namespace}/${CLIENT_CA_SOURCE.name}`, message: action.message }, 'client CA bundle unavailable; leaving the mirror as it is');
      }
      return { after: 'event' };
    }
    this.lastHold = undefined;
    if (action.type === 'none') return { after: 'event' };
    const write = { verb: action.type === 'create' ? 'create' : 'replace', kind: 'ConfigMap', body: action.body } as const;
    const outcome = await writer.apply(write);
    if (outcome.result === 'stale') {
      log.info({ write: describeWrite(write), status: outcome.status }, 'planned from an outdated view; waiting for the cache');
      return { after: 'event' };
    }
    metrics.caBundleUpdates.inc();
    log.info({ configMap: `${target.namespace}/${target.name}`, action: action.type }, 'mirrored the client CA bundle');
    return { after: 'event' };
  }
}
