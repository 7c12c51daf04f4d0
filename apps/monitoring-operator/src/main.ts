import { CertificatesV1Api } from '@kubernetes/client-node';
import { formatNamespacedName } from '@certscrape/identity';
import { runController } from '@certscrape/kube-runtime';
import { packageVersion } from '@certscrape/process-kit';
import { parseConfig, type OperatorConfig } from './config.js';
import { csrSubjectLabelValue } from './csr-object.js';
import { createMetrics } from './metrics.js';
import { MonitoringOperator } from './operator.js';

// The process shell: runController does flags → kubeconfig → probe → informers → leader election → shutdown.
await runController<OperatorConfig>({
  name: 'certscrape-monitoring-operator',
  version: packageVersion(import.meta.url),
  startErrorCode: 'OPERATOR_ERR_APISERVER',
  parse: (args, env) => parseConfig(args, env),
  // Fail fast (exit 1) when the apiserver is unreachable or we may not list our CSRs.
  probe: (kubeConfig) => kubeConfig.makeApiClient(CertificatesV1Api).listCertificateSigningRequest({ limit: 1, labelSelector: 'certscrape.io/csr-subject=probe' }),
  metricsTls: (config) => config.metricsTls,
  setup: ({ config, kubeConfig, log, events, informer }) => {
    const metrics = createMetrics({ identities: config.identities.identities.map((i) => i.username) });
    const operator = new MonitoringOperator({ kubeConfig, config, log, metrics, events, informer });
    return {
      registry: metrics.registry,
      onLeading: (leading) => void metrics.leader.set(leading ? 1 : 0),
      describe: {
        namespace: config.namespace,
        identitiesFile: config.identitiesFile,
        identities: config.identities.identities.map((i) => ({
          username: i.username,
          groups: i.groups,
          secret: formatNamespacedName(i.secret),
          pendingSecret: formatNamespacedName(i.pendingSecret),
          caConfigMap: i.caConfigMap && formatNamespacedName(i.caConfigMap),
          csrLabel: csrSubjectLabelValue(i.username),
          expirationSeconds: i.expirationSeconds,
        })),
        signer: config.signerName,
      },
      lead: (signal) => operator.run(signal),
    };
  },
});
