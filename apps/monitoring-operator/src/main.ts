import { hostname } from 'node:os';
import {
  createLogger,
  createShutdown,
  describeApiError,
  kubernetesLeaseLock,
  LeaderElector,
  loadKubeConfig,
  startHealthServer,
} from '@certscrape/kube-runtime';
import { parseConfig } from './config.js';
import { MonitoringOperator } from './operator.js';
import { createMetrics } from './metrics.js';

/** Entry point of `certscrape-monitoring-operator`: flags -> logger -> servers -> leader election -> controller. */
async function main(): Promise<number> {
  const parsed = parseConfig({ args: process.argv.slice(2), env: { ...process.env, HOSTNAME: process.env['HOSTNAME'] ?? hostname() }, pid: process.pid });
  if (parsed.kind === 'exit') return parsed.exitCode;
  const config = parsed.config;
  const log = createLogger({ name: 'certscrape-monitoring-operator', level: config.logLevel });
  const shutdown = createShutdown({ log });
  const { kubeConfig, source } = loadKubeConfig({ kubeconfig: config.kubeconfig, env: process.env });
  log.info(
    { kubeconfigSource: source, server: kubeConfig.getCurrentCluster()?.server, namespace: config.namespace, targetSecret: config.secretName, caConfigMap: config.caConfigMapName, stateSecret: config.stateSecretName, scraperIdentity: config.scraperIdentity, signer: config.signerName, expirationSeconds: config.expirationSeconds, leaderElect: config.leaderElect },
    'starting',
  );
  const metrics = createMetrics();
  let controller: MonitoringOperator | undefined;
  let elector: LeaderElector | undefined;
  const server = await startHealthServer({
    healthBindAddress: config.healthProbeBindAddress ?? '0',
    metricsBindAddress: config.metricsBindAddress ?? '0',
    registry: metrics.registry,
    healthChecks: { ping: () => true },
    // Ready when this replica is a synced leader, or a healthy standby.
    readyChecks: { controller: () => (elector && !elector.isLeader() ? true : (controller?.synced() ?? false)) },
  });
  shutdown.onShutdown('health-server', () => server.close());
  log.info({ health: server.healthUrl, metrics: server.metricsUrl }, 'serving probes and metrics');

  const lead = async (signal: AbortSignal): Promise<void> => {
    metrics.leader.set(1);
    controller = new MonitoringOperator({ kubeConfig, config, log, metrics });
    try {
      await controller.run(signal);
    } finally {
      metrics.leader.set(0);
    }
  };
  if (config.leaderElect) {
    elector = new LeaderElector({
      lock: kubernetesLeaseLock(kubeConfig, { namespace: config.namespace, name: config.leaseName }),
      identity: config.leaderIdentity,
      onStartedLeading: lead,
      onNewLeader: (identity) => log.info({ leader: identity }, 'observed leader'),
      log,
    });
    await elector.run(shutdown.signal);
  } else {
    await lead(shutdown.signal);
  }
  await shutdown.shutdown('stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Errors here are configuration or bind failures; describe them without dumping objects.
    const e = err as { code?: unknown; message?: unknown };
    console.error(`certscrape-monitoring-operator: ${typeof e?.code === 'string' ? `${e.code}: ` : ''}${typeof e?.message === 'string' ? e.message : describeApiError(err)}`);
    process.exit(1);
  },
);
