import { Option } from 'commander';
import type { Command } from 'commander';
import { parseBoolean } from '@certscrape/process-kit';
import { parseBindAddress, isLoopbackHost } from './health-server.js';
import type { MetricsTlsOptions } from './health-server.js';
import { KubeRuntimeError } from './errors.js';

/** Where the controllers' Deployments mount ConfigMap `metrics-client-ca` (the cluster client CA that monitoring-operator mirrors). */
export const DEFAULT_METRICS_CLIENT_CA_FILE = '/etc/certscrape/metrics-client-ca/client-ca.crt';

/** Default `--metrics-bind-address` of the controllers: HTTPS on all interfaces. */
export const DEFAULT_METRICS_BIND_ADDRESS = ':8443';

/**
 * The metrics-serving flags every controller documents (name, help text), so both apps describe
 * them in the same words. Their defaults: `--metrics-secure=true`,
 * `--metrics-client-ca-file=${DEFAULT_METRICS_CLIENT_CA_FILE}`, no serving files (self-signed).
 */
export const METRICS_SERVING_FLAG_HELP = {
  secure:
    'serve /metrics over HTTPS, only to a client certificate of the scraper identity that chains to --metrics-client-ca-file; --metrics-secure=false serves plain HTTP and is only allowed on a loopback --metrics-bind-address (development)',
  clientCaFile: 'PEM CA bundle for client certificates on /metrics (may appear after start: every client is refused until it does)',
  tlsCertFile: 'serving certificate for /metrics (PEM, followed on change; default: self-signed, generated at start)',
  tlsPrivateKeyFile: 'private key of --metrics-tls-cert-file',
} as const;

/**
 * Adds `--metrics-secure [bool]`, `--metrics-client-ca-file`, `--metrics-tls-cert-file` and
 * `--metrics-tls-private-key-file` to a controller's command (`--metrics-bind-address` is the
 * controller flags' own; its default should be {@link DEFAULT_METRICS_BIND_ADDRESS}).
 * Read them back with {@link metricsServingFlagsOf}.
 */
export function addMetricsServingFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--metrics-secure [bool]', METRICS_SERVING_FLAG_HELP.secure).default(true).preset('true').argParser((v: string) => parseBoolean(v, '--metrics-secure')))
    .addOption(new Option('--metrics-client-ca-file <path>', METRICS_SERVING_FLAG_HELP.clientCaFile).default(DEFAULT_METRICS_CLIENT_CA_FILE))
    .addOption(new Option('--metrics-tls-cert-file <path>', METRICS_SERVING_FLAG_HELP.tlsCertFile))
    .addOption(new Option('--metrics-tls-private-key-file <path>', METRICS_SERVING_FLAG_HELP.tlsPrivateKeyFile));
}

/** Reads {@link addMetricsServingFlags}' flags (and `--metrics-bind-address`) back from commander's `opts()`. */
export function metricsServingFlagsOf(opts: Record<string, unknown>): MetricsServingFlags {
  const str = (k: string): string | undefined => (typeof opts[k] === 'string' && opts[k] !== '' ? (opts[k] as string) : undefined);
  return {
    metricsBindAddress: str('metricsBindAddress') ?? DEFAULT_METRICS_BIND_ADDRESS,
    metricsSecure: opts['metricsSecure'] !== false,
    metricsClientCaFile: str('metricsClientCaFile') ?? DEFAULT_METRICS_CLIENT_CA_FILE,
    metricsTlsCertFile: str('metricsTlsCertFile'),
    metricsTlsPrivateKeyFile: str('metricsTlsPrivateKeyFile'),
  };
}

/** The parsed values of the metrics-serving flags. */
export interface MetricsServingFlags {
  /** `--metrics-bind-address` (`0` disables /metrics). */
  readonly metricsBindAddress: string;
  /** `--metrics-secure`. Default true. */
  readonly metricsSecure: boolean;
  /** `--metrics-client-ca-file`. Default {@link DEFAULT_METRICS_CLIENT_CA_FILE}. */
  readonly metricsClientCaFile: string;
  /** `--metrics-tls-cert-file` / `--metrics-tls-private-key-file`: both or neither. */
  readonly metricsTlsCertFile?: string | undefined;
  readonly metricsTlsPrivateKeyFile?: string | undefined;
}

/**
 * Decides how /metrics is served from the flags: the {@link MetricsTlsOptions} for
 * `startHealthServer` (static rule: `allowedUsers` may `get /metrics`), or undefined for plain
 * HTTP — which is refused (`KUBE_RUNTIME_ERR_METRICS_TLS`) unless the bind address is loopback or
 * metrics are disabled. Also refuses a serving certificate without its key (or the reverse).
 * Pure: nothing is read or bound here.
 */
export function metricsTlsOf(flags: MetricsServingFlags, allowedUsers: readonly string[]): MetricsTlsOptions | undefined {
  const address = parseBindAddress(flags.metricsBindAddress);
  if ((flags.metricsTlsCertFile === undefined) !== (flags.metricsTlsPrivateKeyFile === undefined)) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_METRICS_TLS', '--metrics-tls-cert-file and --metrics-tls-private-key-file go together');
  }
  if (!flags.metricsSecure) {
    if (address !== undefined && !isLoopbackHost(address.host)) {
      throw new KubeRuntimeError('KUBE_RUNTIME_ERR_METRICS_TLS', `--metrics-secure=false needs a loopback --metrics-bind-address, not ${flags.metricsBindAddress}`);
    }
    return undefined;
  }
  if (allowedUsers.length === 0 || allowedUsers.some((u) => u === '')) throw new KubeRuntimeError('KUBE_RUNTIME_ERR_METRICS_TLS', 'metrics TLS needs the scraper identity as its allowed user');
  return {
    clientCaFile: flags.metricsClientCaFile,
    allowedUsers: [...allowedUsers],
    ...(flags.metricsTlsCertFile !== undefined && flags.metricsTlsPrivateKeyFile !== undefined ? { certFile: flags.metricsTlsCertFile, keyFile: flags.metricsTlsPrivateKeyFile } : {}),
  };
}
