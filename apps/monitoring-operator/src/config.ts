import { hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { addControllerFlags, controllerRuntimeConfigOf, metricsTlsOf } from '@certscrape/kube-runtime';
import type { ControllerConfig, LeaderElectionDefaults } from '@certscrape/kube-runtime';
import type { MetricsTlsOptions } from '@certscrape/kube-runtime';
import { parseCommandLine } from '@certscrape/process-kit';
import type { ParseOutcome } from '@certscrape/process-kit';
import { readIdentitySetFile } from '@certscrape/kube-runtime';
import {
  DEFAULT_CLIENT_CA_CONFIGMAP,
  DEFAULT_CLIENT_CERT_SECRET,
  DEFAULT_EXPIRATION_SECONDS,
  DEFAULT_NAMESPACE,
  DEFAULT_SCRAPER_USERNAME,
  KUBE_APISERVER_CLIENT_SIGNER,
  MIN_EXPIRATION_SECONDS,
  singleIdentitySet,
  type IdentitySet,
} from '@certscrape/identity';
import { OperatorError } from './errors.js';
import { DEFAULT_ISSUANCE_STALL_SECONDS } from './issuance-stall.js';
import { DEFAULT_SIGNER_PROBE } from './signer-rotation.js';

/** Name of the Secret holding the scraper's client pair (design.md). */
export const DEFAULT_SECRET_NAME = DEFAULT_CLIENT_CERT_SECRET;
/** Name of the ConfigMap the cluster client CA bundle is mirrored into (key `client-ca.crt`). */
export const DEFAULT_CA_CONFIGMAP_NAME = DEFAULT_CLIENT_CA_CONFIGMAP;
/** Name of the Secret only the operator reads, holding the pending key and CSR name. */
export const DEFAULT_STATE_SECRET_NAME = 'metrics-client-certs-pending';
/** Name of the coordination.k8s.io Lease used for leader election. */
export const DEFAULT_LEASE_NAME = 'certscrape-monitoring-operator';

/** The flags that define the single identity when there is no `--identities-file` (commander's option keys). */
const SINGLE_IDENTITY_FLAGS = {
  secretName: '--secret-name',
  caConfigmapName: '--ca-configmap-name',
  stateSecretName: '--state-secret-name',
  scraperIdentity: '--scraper-identity',
  expirationSeconds: '--expiration-seconds',
} as const;

/** The operator's own settings (the shared controller settings are runController's `runtime`). */
export interface OperatorConfig {
  /**
   * The operator's own namespace: the Lease (unless `--leader-elect-resource-namespace`) and the
   * record of managed identities live here; without `--identities-file` it is also the single
   * identity's namespace. Default `monitoring`.
   */
  readonly namespace: string;
  /**
   * The identities to keep valid: from `--identities-file`, or else the single identity of
   * `--namespace`, `--secret-name`, `--state-secret-name`, `--ca-configmap-name`,
   * `--scraper-identity` and `--expiration-seconds` (default: today's one identity exactly).
   */
  readonly identities: IdentitySet;
  /** The `--identities-file` the set was read from (undefined = the single-identity flags). */
  readonly identitiesFile: string | undefined;
  /** CSR signer. Default `kubernetes.io/kube-apiserver-client`. */
  readonly signerName: string;
  /** A pending issuance not issued after this long is surfaced (Event IssuanceStalled, gauge issuance_stalled). Default 300. */
  readonly issuanceStallSeconds: number;
  /** While the client CA bundle holds a CA newer than the installed certificate's issuer: at most one re-issue this long after the last install. Default 300. */
  readonly signerProbeSeconds: number;
  /** HTTPS for /metrics (from the metrics-serving flags; undefined = plain HTTP on loopback). */
  readonly metricsTls: MetricsTlsOptions | undefined;
}

function parseExpiration(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected whole seconds, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < MIN_EXPIRATION_SECONDS) throw new InvalidArgumentError(`must be at least ${MIN_EXPIRATION_SECONDS}`);
  return n;
}

function parsePositiveSeconds(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError(`expected whole seconds >= 1, got ${JSON.stringify(value)}`);
  return Number(value);
}

function parseName(value: string): string {
  // DNS-1123 subdomain, which Secrets, ConfigMaps and namespaces all accept.
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value)) throw new InvalidArgumentError(`not a valid object name: ${JSON.stringify(value)}`);
  return value;
}

/** Lease defaults: the Lease lives in `--namespace` unless `--leader-elect-resource-namespace` says otherwise. */
const leaderElectionDefaults = (namespace: string): LeaderElectionDefaults => ({ resourceName: DEFAULT_LEASE_NAME, resourceNamespace: namespace });

/** The commander program describing every flag (exported for `--help` tests and docs). */
export function buildProgram(): Command {
  const cmd = new Command('certscrape-monitoring-operator')
    .description('Keeps the scraper client certificate Secret valid and mirrors the cluster client CA bundle.')
    .option('--namespace <name>', 'namespace of the Lease and the managed-identities record; without --identities-file also of the Secret, ConfigMap and pending state', parseName, DEFAULT_NAMESPACE)
    .option(
      '--identities-file <path>',
      'YAML file (kind ScraperIdentities, docs/identities.md) listing every scraper identity to keep valid, each with its own Secret; replaces --secret-name, --ca-configmap-name, --state-secret-name, --scraper-identity and --expiration-seconds',
    )
    .option('--secret-name <name>', 'Secret receiving tls.crt and tls.key (single identity)', parseName, DEFAULT_SECRET_NAME)
    .option('--ca-configmap-name <name>', 'ConfigMap receiving client-ca.crt (single identity)', parseName, DEFAULT_CA_CONFIGMAP_NAME)
    .option('--state-secret-name <name>', 'Secret holding the pending key and CSR name, read by the operator only (single identity)', parseName, DEFAULT_STATE_SECRET_NAME)
    .option('--scraper-identity <username>', 'username the certificate authenticates as (single identity)', DEFAULT_SCRAPER_USERNAME)
    .option('--signer-name <name>', 'CSR signer name', KUBE_APISERVER_CLIENT_SIGNER)
    .option('--expiration-seconds <seconds>', `requested certificate lifetime (>= ${MIN_EXPIRATION_SECONDS}; single identity)`, parseExpiration, DEFAULT_EXPIRATION_SECONDS)
    .option(
      '--issuance-stall-seconds <seconds>',
      'a pending CSR not issued after this long is reported: Warning Event IssuanceStalled on the Secret, gauge certscrape_monitoring_operator_issuance_stalled=1 (the installed pair is kept)',
      parsePositiveSeconds,
      DEFAULT_ISSUANCE_STALL_SECONDS,
    )
    .option(
      '--signer-probe-seconds <seconds>',
      "while the client CA bundle holds a CA newer than the installed certificate's issuer (a signer CA rotation), re-issue at most once this long after the last install (docs/ca-rotation.md)",
      parsePositiveSeconds,
      DEFAULT_SIGNER_PROBE.intervalMs / 1000,
    );
  // --kubeconfig, --metrics-*, --health-probe-bind-address, --leader-elect*, --log-level, -v, --version.
  addControllerFlags(cmd, leaderElectionDefaults(DEFAULT_NAMESPACE));
  return cmd.helpOption('-h, --help', 'show this help').allowExcessArguments(false);
}

/**
 * Parses argv (user arguments only) and the environment: the only place that reads them
 * (main.ts passes them in through runController). `--help` comes back as `{ kind: 'print' }`;
 * bad flags throw coded errors (runMain: one line `name: CODE: message`, exit 2).
 */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, host: string = hostname()): ParseOutcome<ControllerConfig<OperatorConfig>> {
  const program = buildProgram();
  const help = parseCommandLine(program, argv);
  if (help) return help;
  const o = program.opts<{ namespace: string; identitiesFile?: string; secretName: string; caConfigmapName: string; stateSecretName: string; scraperIdentity: string; signerName: string; expirationSeconds: number; issuanceStallSeconds: number; signerProbeSeconds: number } & Record<string, unknown>>();
  let identities: IdentitySet;
  if (o.identitiesFile !== undefined) {
    // One source of truth: a single-identity flag beside the file would silently mean nothing.
    const explicit = Object.entries(SINGLE_IDENTITY_FLAGS).filter(([key]) => program.getOptionValueSource(key) === 'cli').map(([, flag]) => flag);
    if (explicit.length > 0) {
      throw new OperatorError('OPERATOR_ERR_CONFIG', `--identities-file cannot be combined with ${explicit.join(', ')}: list every identity in the file`);
    }
    identities = readIdentitySetFile(o.identitiesFile);
  } else {
    if (o.stateSecretName === o.secretName) {
      throw new OperatorError('OPERATOR_ERR_CONFIG', '--state-secret-name must differ from --secret-name');
    }
    identities = singleIdentitySet({
      namespace: o.namespace,
      secretName: o.secretName,
      pendingSecretName: o.stateSecretName,
      caConfigMapName: o.caConfigmapName,
      username: o.scraperIdentity,
      expirationSeconds: o.expirationSeconds,
    });
  }
  const runtime = controllerRuntimeConfigOf(o, env, leaderElectionDefaults(o.namespace), host);
  return {
    kind: 'run',
    logLevel: runtime.logLevel,
    config: {
      runtime,
      app: {
        namespace: o.namespace,
        identities,
        identitiesFile: o.identitiesFile,
        signerName: o.signerName,
        issuanceStallSeconds: o.issuanceStallSeconds,
        signerProbeSeconds: o.signerProbeSeconds,
        // Only the first identity (the platform Prometheus) may read the operator's own /metrics:
        // a tenant's scraper has no business seeing the other identities' state.
        metricsTls: metricsTlsOf(runtime.metricsServing, [identities.identities[0]!.username]),
      },
    },
  };
}
