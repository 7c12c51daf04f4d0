import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { describeApiError } from './api-errors.js';
import type { Log } from './log.js';
import { silentLog } from './log.js';

/** The object an event is about. Cluster-scoped objects have no namespace. */
export interface EventTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
}

/** Records Kubernetes Events; best effort — a failure is logged, never thrown. */
export interface EventRecorder {
  event(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

/** Kubernetes caps event messages at 1 KiB; longer ones are cut. */
const MAX_EVENT_MESSAGE = 1024;

/**
 * A core/v1 Event recorder. Events about cluster-scoped objects (CSRs, nodes) go to the `default`
 * namespace, as client-go does. Needs `create` on `events`.
 */
export function createEventRecorder(kubeConfig: KubeConfig, options: { component: string; instance?: string; log?: Log; now?: () => Date }): EventRecorder {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const log = options.log ?? silentLog;
  const now = options.now ?? (() => new Date());
  return {
    async event(target, type, reason, message) {
      const namespace = target.namespace ?? 'default';
      const at = now();
      try {
        await api.createNamespacedEvent({
          namespace,
          body: {
            metadata: { generateName: `${target.name}.`, namespace },
            involvedObject: { apiVersion: target.apiVersion, kind: target.kind, name: target.name, ...(target.namespace ? { namespace: target.namespace } : {}), ...(target.uid ? { uid: target.uid } : {}) },
            type,
            reason,
            message: message.length > MAX_EVENT_MESSAGE ? `${message.slice(0, MAX_EVENT_MESSAGE - 3)}...` : message,
            source: { component: options.component },
            reportingComponent: options.component,
            reportingInstance: options.instance ?? '',
            firstTimestamp: at,
            lastTimestamp: at,
            count: 1,
          },
        });
      } catch (err) {
        log.debug({ object: `${target.kind}/${target.name}`, reason, error: describeApiError(err) }, 'could not record event');
      }
    },
  };
}
