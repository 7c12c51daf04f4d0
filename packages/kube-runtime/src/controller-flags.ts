import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Option } from 'commander';
import type { Command } from 'commander';
import { addStandardFlags, logLevelOf, parseBindAddress } from '@certscrape/process-kit';
import type { LogLevel } from '@certscrape/process-kit';
import { addLeaderElectionFlags, leaderElectionConfigOf } from './leader-election-flags.js';
import { DEFAULT_METRICS_BIND_ADDRESS, addMetricsServingFlags, metricsServingFlagsOf } from './metrics-serving-flags.js';
import type { MetricsServingFlags } from './metrics-serving-flags.js';
import type { LeaderElectionConfig, LeaderElectionDefaults } from './leader-election-flags.js';

/** What every controller's command line decides for runController (the app's own flags come on top). */
export interface ControllerRuntimeConfig {
  /** `--kubeconfig`; undefined: `$KUBECONFIG` (merged), in-cluster, `~/.kube/config` (controller-runtime's order). */
  readonly kubeconfig: string | undefined;
  /** `--metrics-bind-address` (`host:port`, `:port`, `0` disables). Default `:8443` (HTTPS). */
  readonly metricsBindAddress: string;
  /**
   * `--metrics-secure`, `--metrics-client-ca-file`, `--metrics-tls-cert-file`,
   * `--metrics-tls-private-key-file` (and the bind address). Turn them into the health server's
   * `metricsTls` with `metricsTlsOf(metricsServing, [scraperIdentity])`.
   */
  readonly metricsServing: MetricsServingFlags;
  /** `--health-probe-bind-address`. Default `:8081`. */
  readonly healthProbeBindAddress: string;
  readonly leaderElection: LeaderElectionConfig;
  /** This replica's Lease identity: `$POD_NAME` (else the hostname) + `_` + a random UUID, as client-go. */
  readonly identity: string;
  readonly logLevel: LogLevel;
  /** The environment the kubeconfig loader consults (KUBECONFIG, KUBERNETES_SERVICE_*, HOME). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

const bindAddress = (flag: string) => (v: string) => {
  parseBindAddress(v, flag);
  return v;
};

/**
 * Adds the flags every controller shares: `--kubeconfig`, `--metrics-bind-address`, the
 * metrics-serving flags (`--metrics-secure`, `--metrics-client-ca-file`, `--metrics-tls-*`),
 * `--health-probe-bind-address`, the leader-election flags, `--log-level`, `-v`, `--version`.
 */
export function addControllerFlags(cmd: Command, defaults: LeaderElectionDefaults): Command {
  cmd
    .addOption(new Option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster service account, then ~/.kube/config)'))
    .addOption(new Option('--metrics-bind-address <host:port>', `address of /metrics ("${DEFAULT_METRICS_BIND_ADDRESS}" = all interfaces, "0" disables)`).default(DEFAULT_METRICS_BIND_ADDRESS).argParser(bindAddress('--metrics-bind-address')))
    .addOption(new Option('--health-probe-bind-address <host:port>', 'address of /healthz and /readyz ("0" disables)').default(':8081').argParser(bindAddress('--health-probe-bind-address')));
  // HTTPS + client-certificate authorization for /metrics (metrics-serving-flags.ts).
  addMetricsServingFlags(cmd);
  addLeaderElectionFlags(cmd, defaults);
  return addStandardFlags(cmd);
}

/** Reads {@link addControllerFlags}' flags back (validating leader election); throws coded configuration errors. */
export function controllerRuntimeConfigOf(
  opts: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  defaults: LeaderElectionDefaults,
  host: string = hostname(),
): ControllerRuntimeConfig {
  const kubeconfig = typeof opts['kubeconfig'] === 'string' && opts['kubeconfig'] !== '' ? opts['kubeconfig'] : undefined;
  return {
    kubeconfig,
    metricsBindAddress: opts['metricsBindAddress'] as string,
    metricsServing: metricsServingFlagsOf(opts),
    healthProbeBindAddress: opts['healthProbeBindAddress'] as string,
    leaderElection: leaderElectionConfigOf(opts, defaults),
    identity: `${env['POD_NAME'] || host}_${randomUUID()}`,
    logLevel: logLevelOf(opts, env['LOG_LEVEL']),
    env: Object.fromEntries(['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'KUBECONFIG', 'HOME'].map((k) => [k, env[k]])),
  };
}
