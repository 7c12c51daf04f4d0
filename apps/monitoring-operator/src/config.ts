import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_CLIENT_CA_CONFIGMAP,
  DEFAULT_CLIENT_CERT_SECRET,
  DEFAULT_EXPIRATION_SECONDS,
  DEFAULT_NAMESPACE,
  DEFAULT_SCRAPER_USERNAME,
  KUBE_APISERVER_CLIENT_SIGNER,
  MIN_EXPIRATION_SECONDS,
} from '@certscrape/identity';
import { OperatorError } from './errors.js';

/** Name of the Secret holding the scraper's client pair (design.md). */
export const DEFAULT_SECRET_NAME = DEFAULT_CLIENT_CERT_SECRET;
/** Name of the ConfigMap the cluster client CA bundle is mirrored into (key `client-ca.crt`). */
export const DEFAULT_CA_CONFIGMAP_NAME = DEFAULT_CLIENT_CA_CONFIGMAP;
/** Name of the Secret only the operator reads, holding the pending key and CSR name. */
export const DEFAULT_STATE_SECRET_NAME = 'metrics-client-certs-pending';
/** Name of the coordination.k8s.io Lease used for leader election. */
export const DEFAULT_LEASE_NAME = 'certscrape-monitoring-operator';

/** Everything the operator needs to run, resolved from flags and environment. */
export interface OperatorConfig {
  /** Path of a kubeconfig file; undefined -> $KUBECONFIG, then in-cluster, then ~/.kube/config. */
  readonly kubeconfig: string | undefined;
  /** Namespace of the Secret, the ConfigMap, the pending state and the Lease. Default `monitoring`. */
  readonly namespace: string;
  /** Secret receiving `tls.crt` + `tls.key`. Default `metrics-client-certs`. */
  readonly secretName: string;
  /** ConfigMap receiving `client-ca.crt`. Default `metrics-client-ca`. */
  readonly caConfigMapName: string;
  /** Secret holding the pending key and CSR name. Default `metrics-client-certs-pending`. */
  readonly stateSecretName: string;
  /** Username the certificate authenticates as. Default `system:serviceaccount:monitoring:prometheus-k8s`. */
  readonly scraperIdentity: string;
  /** CSR signer. Default `kubernetes.io/kube-apiserver-client`. */
  readonly signerName: string;
  /** Requested lifetime (>= 600). Default 2592000 (30 days); signers may issue less. */
  readonly expirationSeconds: number;
  /** Run Lease-based leader election. Default true; `--leader-elect=false` disables it. */
  readonly leaderElect: boolean;
  /** Lease name for leader election. Default `certscrape-monitoring-operator`. */
  readonly leaseName: string;
  /** Identity written into the Lease; default hostname + pid. */
  readonly leaderIdentity: string;
  /** `host:port` of the metrics endpoint, or undefined when disabled (`0`). Default `:8080`. */
  readonly metricsBindAddress: string | undefined;
  /** `host:port` of `/healthz` and `/readyz`, or undefined when disabled (`0`). Default `:8081`. */
  readonly healthProbeBindAddress: string | undefined;
  /** pino level. Default `info` (env LOG_LEVEL). */
  readonly logLevel: string;
}

function parseBoolean(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 't'].includes(v)) return true;
  if (['false', '0', 'no', 'f'].includes(v)) return false;
  throw new InvalidArgumentError(`expected true or false, got ${JSON.stringify(value)}`);
}

function parseExpiration(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected whole seconds, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < MIN_EXPIRATION_SECONDS) throw new InvalidArgumentError(`must be at least ${MIN_EXPIRATION_SECONDS}`);
  return n;
}

function parseName(value: string): string {
  // DNS-1123 subdomain, which Secrets, ConfigMaps and namespaces all accept.
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value)) throw new InvalidArgumentError(`not a valid object name: ${JSON.stringify(value)}`);
  return value;
}

function parseBindAddress(value: string): string {
  if (value === '0') return value;
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:]*):\d{1,5}$/.test(value)) throw new InvalidArgumentError(`expected host:port or 0, got ${JSON.stringify(value)}`);
  return value;
}

/** The commander program describing every flag (exported for `--help` tests and docs). */
export function buildProgram(): Command {
  return new Command('certscrape-monitoring-operator')
    .description('Keeps the scraper client certificate Secret valid and mirrors the cluster client CA bundle.')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .option('--namespace <name>', 'namespace of the Secret, ConfigMap, pending state and Lease', parseName, DEFAULT_NAMESPACE)
    .option('--secret-name <name>', 'Secret receiving tls.crt and tls.key', parseName, DEFAULT_SECRET_NAME)
    .option('--ca-configmap-name <name>', 'ConfigMap receiving client-ca.crt', parseName, DEFAULT_CA_CONFIGMAP_NAME)
    .option('--state-secret-name <name>', 'Secret holding the pending key and CSR name (read by the operator only)', parseName, DEFAULT_STATE_SECRET_NAME)
    .option('--scraper-identity <username>', 'username the certificate authenticates as', DEFAULT_SCRAPER_USERNAME)
    .option('--signer-name <name>', 'CSR signer name', KUBE_APISERVER_CLIENT_SIGNER)
    .option('--expiration-seconds <seconds>', `requested certificate lifetime (>= ${MIN_EXPIRATION_SECONDS})`, parseExpiration, DEFAULT_EXPIRATION_SECONDS)
    .addOption(new Option('--leader-elect [bool]', 'use Lease-based leader election (--leader-elect=false to disable)').argParser(parseBoolean).default(true).preset('true'))
    .option('--metrics-bind-address <addr>', 'host:port of the metrics endpoint, 0 to disable', parseBindAddress, ':8080')
    .option('--health-probe-bind-address <addr>', 'host:port of /healthz and /readyz, 0 to disable', parseBindAddress, ':8081')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false);
}

/** Options for {@link parseConfig}; the defaults are the real process. */
export interface ParseConfigOptions {
  /** Arguments after the program name. */
  readonly args: readonly string[];
  /** Environment (KUBECONFIG, LOG_LEVEL, HOSTNAME, POD_NAME). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Process id, for the default leader identity. */
  readonly pid: number;
  /** Called by commander for --help and errors (so tests can capture it). */
  readonly writeOut?: (text: string) => void;
  readonly writeErr?: (text: string) => void;
}

/** Result of parsing: either a config to run, or an exit (help shown or bad flags). */
export type ParseConfigResult = { readonly kind: 'run'; readonly config: OperatorConfig } | { readonly kind: 'exit'; readonly exitCode: number };

/**
 * Parses flags and the few environment values the operator reads. The only place that
 * reads argv/env (main.ts passes them in). Bad flags -> exit code 2 after printing the error.
 */
export function parseConfig(options: ParseConfigOptions): ParseConfigResult {
  const program = buildProgram().exitOverride();
  program.configureOutput({
    writeOut: options.writeOut ?? ((s) => process.stdout.write(s)),
    writeErr: options.writeErr ?? ((s) => process.stderr.write(s)),
  });
  try {
    program.parse([...options.args], { from: 'user' });
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return { kind: 'exit', exitCode: 0 };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) return { kind: 'exit', exitCode: 2 };
    throw e;
  }
  const o = program.opts<{
    kubeconfig?: string; namespace: string; secretName: string; caConfigmapName: string; stateSecretName: string;
    scraperIdentity: string; signerName: string; expirationSeconds: number; leaderElect: boolean;
    metricsBindAddress: string; healthProbeBindAddress: string;
  }>();
  if (o.stateSecretName === o.secretName) {
    throw new OperatorError('OPERATOR_ERR_CONFIG', '--state-secret-name must differ from --secret-name');
  }
  const env = options.env;
  const host = env['POD_NAME'] ?? env['HOSTNAME'] ?? 'operator';
  return {
    kind: 'run',
    config: {
      kubeconfig: o.kubeconfig ?? (env['KUBECONFIG'] || undefined),
      namespace: o.namespace,
      secretName: o.secretName,
      caConfigMapName: o.caConfigmapName,
      stateSecretName: o.stateSecretName,
      scraperIdentity: o.scraperIdentity,
      signerName: o.signerName,
      expirationSeconds: o.expirationSeconds,
      leaderElect: o.leaderElect,
      leaseName: DEFAULT_LEASE_NAME,
      leaderIdentity: `${host}_${options.pid}`,
      metricsBindAddress: o.metricsBindAddress === '0' ? undefined : o.metricsBindAddress,
      healthProbeBindAddress: o.healthProbeBindAddress === '0' ? undefined : o.healthProbeBindAddress,
      logLevel: env['LOG_LEVEL'] || 'info',
    },
  };
}
