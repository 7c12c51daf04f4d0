import { Option } from 'commander';
import type { Command } from 'commander';
import { parseBoolean, parseDurationFlag } from '@certscrape/process-kit';
import { KubeRuntimeError } from './errors.js';

/** Leader-election settings, as Kubernetes component-base's `LeaderElectionConfiguration` names them. */
export interface LeaderElectionConfig {
  /** `--leader-elect`. Default true. */
  readonly leaderElect: boolean;
  /** `--leader-elect-lease-duration`. Default 15 s. */
  readonly leaseDurationMs: number;
  /** `--leader-elect-renew-deadline`. Default 10 s. */
  readonly renewDeadlineMs: number;
  /** `--leader-elect-retry-period`. Default 2 s. */
  readonly retryPeriodMs: number;
  /** `--leader-elect-resource-name`: the Lease name. Default: the component's. */
  readonly resourceName: string;
  /** `--leader-elect-resource-namespace`: the Lease namespace. Default: the component's. */
  readonly resourceNamespace: string;
}

/** Defaults a component passes to {@link addLeaderElectionFlags}. */
export interface LeaderElectionDefaults {
  readonly resourceName: string;
  readonly resourceNamespace: string;
  /** Older spellings of `--leader-elect-resource-namespace` kept working (e.g. `--leader-election-namespace`). */
  readonly namespaceAliases?: readonly string[];
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const duration = (flag: string) => (v: string) => parseDurationFlag(v, { flag, minMs: 1 });

/**
 * Adds component-base's leader-election flags: `--leader-elect[=bool]` (Go ParseBool),
 * `--leader-elect-lease-duration`, `--leader-elect-renew-deadline`, `--leader-elect-retry-period`
 * (Go durations), `--leader-elect-resource-name`, `--leader-elect-resource-namespace` (and the
 * given aliases). Read them back with {@link leaderElectionConfigOf}.
 */
export function addLeaderElectionFlags(cmd: Command, defaults: LeaderElectionDefaults): Command {
  cmd
    .addOption(
      new Option('--leader-elect [bool]', 'elect a leader through a coordination.k8s.io Lease so several replicas are safe; --leader-elect=false for local runs')
        .argParser((v: string) => parseBoolean(v, '--leader-elect'))
        .default(true)
        .preset('true'),
    )
    .addOption(new Option('--leader-elect-lease-duration <duration>', 'how long non-leaders wait after the last renewal before taking over').argParser(duration('--leader-elect-lease-duration')).default(15_000, '15s'))
    .addOption(new Option('--leader-elect-renew-deadline <duration>', 'how long the leader retries renewing before it steps down').argParser(duration('--leader-elect-renew-deadline')).default(10_000, '10s'))
    .addOption(new Option('--leader-elect-retry-period <duration>', 'pause between acquire and renew attempts').argParser(duration('--leader-elect-retry-period')).default(2_000, '2s'))
    .addOption(new Option('--leader-elect-resource-name <name>', 'name of the Lease').default(defaults.resourceName))
    .addOption(new Option('--leader-elect-resource-namespace <namespace>', 'namespace of the Lease'));
  for (const alias of defaults.namespaceAliases ?? []) cmd.addOption(new Option(`--${alias} <namespace>`, 'alias of --leader-elect-resource-namespace'));
  return cmd;
}

/**
 * The leader-election settings from parsed options; validates as component-base does
 * (lease duration > renew deadline > retry period × 1.2, names are DNS names). Throws
 * KUBE_RUNTIME_ERR_LEASE (a configuration error: runMain exits 2).
 */
export function leaderElectionConfigOf(opts: Record<string, unknown>, defaults: LeaderElectionDefaults): LeaderElectionConfig {
  const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  const aliasValue = (defaults.namespaceAliases ?? []).map((a) => opts[camel(a)]).find((v) => typeof v === 'string');
  const resourceNamespace = (opts['leaderElectResourceNamespace'] as string | undefined) ?? (aliasValue as string | undefined) ?? defaults.resourceNamespace;
  const config: LeaderElectionConfig = {
    leaderElect: opts['leaderElect'] !== false,
    leaseDurationMs: opts['leaderElectLeaseDuration'] as number,
    renewDeadlineMs: opts['leaderElectRenewDeadline'] as number,
    retryPeriodMs: opts['leaderElectRetryPeriod'] as number,
    resourceName: opts['leaderElectResourceName'] as string,
    resourceNamespace,
  };
  if (!(config.leaseDurationMs > config.renewDeadlineMs)) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_LEASE', '--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline');
  }
  if (!(config.renewDeadlineMs > 1.2 * config.retryPeriodMs)) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_LEASE', '--leader-elect-renew-deadline must be greater than 1.2 × --leader-elect-retry-period');
  }
  if (!DNS1123_SUBDOMAIN.test(config.resourceName)) throw new KubeRuntimeError('KUBE_RUNTIME_ERR_LEASE', `invalid --leader-elect-resource-name ${JSON.stringify(config.resourceName)}`);
  if (!DNS1123_LABEL.test(config.resourceNamespace)) throw new KubeRuntimeError('KUBE_RUNTIME_ERR_LEASE', `invalid --leader-elect-resource-namespace ${JSON.stringify(config.resourceNamespace)}`);
  return config;
}
