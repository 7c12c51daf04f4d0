import { CertificatesV1Api } from '@kubernetes/client-node';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { WorkQueue, runController } from '@certscrape/kube-runtime';
import { packageVersion } from '@certscrape/process-kit';
import { parseConfig } from './config.js';
import type { ApproverConfig } from './config.js';
import { ApproverController, kubernetesCsrApi } from './controller.js';
import { createApproverMetrics } from './metrics.js';

/** API path of the watched collection. */
const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
/** Concurrent reconciles. */
const WORKERS = 2;

// The process shell: runController does flags → kubeconfig → probe → informers → leader election → shutdown.
await runController<ApproverConfig>({
  name: 'certscrape-csr-approver',
  version: packageVersion(import.meta.url),
  startErrorCode: 'APPROVER_ERR_APISERVER',
  startedMessage: 'csr approver started',
  parse: (args, env) => parseConfig(args, env),
  metricsTls: (config) => config.metricsTls,
  // Fail fast (exit 1) when the apiserver is unreachable or we may not list CSRs.
  probe: (kubeConfig) => kubeConfig.makeApiClient(CertificatesV1Api).listCertificateSigningRequest({ limit: 1 }),
  setup: ({ config, kubeConfig, log, events, informer }) => {
    const certificates = kubeConfig.makeApiClient(CertificatesV1Api);
    const csrs = informer<V1CertificateSigningRequest>({ name: 'certificatesigningrequests', path: CSR_PATH, list: () => certificates.listCertificateSigningRequest() });
    const metrics = createApproverMetrics(() => csrs.health());
    const controller = new ApproverController({ api: kubernetesCsrApi(kubeConfig), policy: config.policy, lookup: (name) => csrs.get(name), log, metrics, events });
    let queue: WorkQueue | undefined;
    csrs.on((e) => {
      if (e.type !== 'delete' && e.object.metadata?.name) queue?.add(e.object.metadata.name);
    });
    return {
      registry: metrics.registry,
      onLeading: (leading) => void metrics.leader.set(leading ? 1 : 0),
      describe: { scraperIdentity: config.policy.identity.username, scraperIdentities: config.policy.identities.map((id) => id.username), identitiesFile: config.identitiesFile, operator: config.policy.requester.username, maxExpirationSeconds: config.maxExpirationSeconds },
      lead: async (signal) => {
        const q = new WorkQueue();
        queue = q;
        signal.addEventListener('abort', () => q.shutDown(), { once: true });
        for (const obj of csrs.list()) if (obj.metadata?.name) q.add(obj.metadata.name);
        await q.run(WORKERS, async (name) => void (await controller.reconcile(name)), (name, err, retryInMs) =>
          log.warn({ csr: name, error: err instanceof Error ? err.message : String(err), retryInMs }, 'reconcile failed; retrying'),
        );
        if (queue === q) queue = undefined;
      },
    };
  },
});
