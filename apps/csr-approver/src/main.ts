import { CertificatesV1Api } from '@kubernetes/client-node';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import {
  LeaderElector,
  WorkQueue,
  createEventRecorder,
  createInformer,
  createLogger,
  createShutdown,
  describeApiError,
  kubernetesLeaseLock,
  loadKubeConfig,
  startHealthServer,
} from '@certscrape/kube-runtime';
import { configFromProcess } from './config.js';
import type { ApproverConfig } from './config.js';
import { ApproverController, kubernetesCsrApi } from './controller.js';
import { createApproverMetrics } from './metrics.js';

/** API path of the watched collection. */
const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
/** Give up the start-up reachability check after this long. */
const STARTUP_PROBE_TIMEOUT_MS = 15_000;
/** Concurrent reconciles. */
const WORKERS = 2;

async function run(config: ApproverConfig): Promise<void> {
  const log = createLogger({ name: 'certscrape-csr-approver', level: config.logLevel });
  const shutdown = createShutdown({ log });
  const { kubeConfig, source, path } = loadKubeConfig({ kubeconfig: config.kubeconfig, env: config.env });
  const server = kubeConfig.getCurrentCluster()?.server;
  const certificates = kubeConfig.makeApiClient(CertificatesV1Api);

  // Fail fast (non-zero exit) when the apiserver is unreachable or we may not list CSRs.
  try {
    await withTimeout(certificates.listCertificateSigningRequest({ limit: 1 }), STARTUP_PROBE_TIMEOUT_MS);
  } catch (err) {
    log.error({ server, error: describeApiError(err) }, 'cannot list CertificateSigningRequests at start');
    process.stderr.write(`certscrape-csr-approver: cannot reach kube-apiserver at ${server}: ${describeApiError(err)}\n`);
    process.exit(1);
  }

  const informer = createInformer<V1CertificateSigningRequest>(kubeConfig, {
    name: 'certificatesigningrequests',
    path: CSR_PATH,
    list: () => certificates.listCertificateSigningRequest(),
    log,
  });
  const metrics = createApproverMetrics(() => informer.health());
  const events = createEventRecorder(kubeConfig, { component: 'certscrape-csr-approver', instance: config.leaderElectionIdentity, log });
  const controller = new ApproverController({ api: kubernetesCsrApi(kubeConfig), policy: config.policy, lookup: (name) => informer.get(name), log, metrics, events });

  let queue: WorkQueue | undefined;
  informer.on((e) => {
    if (e.type !== 'delete' && e.object.metadata?.name) queue?.add(e.object.metadata.name);
  });

  const health = await startHealthServer({
    healthBindAddress: config.healthProbeBindAddress,
    metricsBindAddress: config.metricsBindAddress,
    registry: metrics.registry,
    healthChecks: { ping: () => true },
    readyChecks: { informer: () => informer.isHealthy() },
  });
  shutdown.onShutdown('health-server', () => health.close());
  informer.start();
  shutdown.onShutdown('informer', () => informer.stop());

  const lead = async (signal: AbortSignal) => {
    metrics.leader.set(1);
    const q = new WorkQueue();
    queue = q;
    signal.addEventListener('abort', () => q.shutDown(), { once: true });
    await informer.waitForSync(signal);
    for (const obj of informer.list()) if (obj.metadata?.name) q.add(obj.metadata.name);
    await q.run(WORKERS, async (name) => void (await controller.reconcile(name)), (name, err, retryInMs) =>
      log.warn({ csr: name, error: err instanceof Error ? err.message : String(err), retryInMs }, 'reconcile failed; retrying'),
    );
    if (queue === q) queue = undefined;
    metrics.leader.set(0);
  };

  log.info(
    {
      kubeconfigSource: source,
      kubeconfig: path,
      server,
      scraperIdentity: config.policy.identity.username,
      operator: config.policy.requester.username,
      maxExpirationSeconds: config.maxExpirationSeconds,
      leaderElect: config.leaderElect,
      identity: config.leaderElectionIdentity,
      healthUrl: health.healthUrl,
      metricsUrl: health.metricsUrl,
    },
    'csr approver started',
  );

  if (config.leaderElect) {
    const elector = new LeaderElector({
      lock: kubernetesLeaseLock(kubeConfig, { namespace: config.leaderElectionNamespace, name: config.leaderElectionId }),
      identity: config.leaderElectionIdentity,
      log,
      onStartedLeading: lead,
      onStoppedLeading: () => void metrics.leader.set(0),
      onNewLeader: (holder) => log.info({ leader: holder }, 'observed leader'),
    });
    const election = elector.run(shutdown.signal);
    shutdown.onShutdown('leader-election', () => election);
  } else {
    const leading = lead(shutdown.signal);
    shutdown.onShutdown('workers', () => leading);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e)),
    );
  });
}

const parsed = configFromProcess();
if (parsed.kind === 'exit') {
  process.stdout.write(parsed.stdout);
  process.stderr.write(parsed.stderr);
  process.exit(parsed.code);
} else {
  run(parsed.config).catch((err: unknown) => {
    const code = (err as { code?: unknown }).code;
    process.stderr.write(`certscrape-csr-approver: ${err instanceof Error ? err.message : String(err)}${typeof code === 'string' ? ` (${code})` : ''}\n`);
    process.exit(1);
  });
}
