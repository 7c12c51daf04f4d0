import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_EXPIRATION_SECONDS, DEFAULT_NAMESPACE, DEFAULT_SCRAPER_USERNAME, MIN_EXPIRATION_SECONDS, createCsrPolicy, parseServiceAccountRef } from '@certscrape/identity';
import type { CsrPolicy, ServiceAccountRef } from '@certscrape/identity';
import { addControllerFlags, controllerRuntimeConfigOf, metricsTlsOf } from '@certscrape/kube-runtime';
import type { ControllerConfig, LeaderElectionDefaults, MetricsTlsOptions } from '@certscrape/kube-runtime';
import { parseCommandLine } from '@certscrape/process-kit';
import type { ParseOutcome } from '@certscrape/process-kit';
import { ApproverError } from './errors.js';

/** The default name of the leader-election Lease (`--leader-elect-resource-name`). */
export const LEADER_ELECTION_ID = 'certscrape-csr-approver';

/** Lease defaults; `--leader-election-namespace` is the approver's older spelling of `--leader-elect-resource-namespace`. */
const LEADER_ELECTION: LeaderElectionDefaults = { resourceName: LEADER_ELECTION_ID, resourceNamespace: DEFAULT_NAMESPACE, namespaceAliases: ['leader-election-namespace'] };

/** The approver's own settings (the shared controller settings are runController's `runtime`). */
export interface ApproverConfig {
  readonly scraperIdentity: string;
  readonly operatorServiceAccount: ServiceAccountRef;
  readonly maxExpirationSeconds: number;
  /** The policy built from the flags (validated). */
  readonly policy: CsrPolicy;
  /** /metrics over HTTPS for the scraper identity's client certificate (`--metrics-secure`, default); undefined = plain HTTP on loopback. */
  readonly metricsTls: MetricsTlsOptions | undefined;
}

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of seconds');
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < MIN_EXPIRATION_SECONDS) throw new InvalidArgumentError(`must be at least ${MIN_EXPIRATION_SECONDS}`);
  return n;
}

function parseSa(value: string): string {
  try {
    parseServiceAccountRef(value);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
  return value;
}

/** The commander program: the flag contract other tooling relies on. */
export function createProgram(): Command {
  const cmd = new Command('certscrape-csr-approver')
    .description(
      'Approves exactly the scraper client-certificate CSRs (signer kubernetes.io/kube-apiserver-client) that the certscrape policy allows, denies in-scope CSRs that break it (listing every violation), and leaves every other CSR alone.',
    )
    .addOption(new Option('--scraper-identity <username>', 'the identity certificates are issued for (subject CN)').default(DEFAULT_SCRAPER_USERNAME))
    .addOption(new Option('--operator-service-account <namespace/name>', 'the only requester whose CSRs may be approved').default(`${DEFAULT_NAMESPACE}/monitoring-operator`).argParser(parseSa))
    .addOption(
      new Option('--max-expiration-seconds <seconds>', `largest spec.expirationSeconds accepted (at least ${MIN_EXPIRATION_SECONDS})`).default(DEFAULT_EXPIRATION_SECONDS).argParser(parseSeconds),
    );
  addControllerFlags(cmd, LEADER_ELECTION);
  return cmd.helpOption('-h, --help', 'show this help').allowExcessArguments(false);
}

/**
 * Parses argv (user arguments only) and the environment. `--help` comes back as
 * `{ kind: 'print' }`; bad flags and an invalid policy throw coded errors (runMain: exit 2).
 */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, host: string = hostname()): ParseOutcome<ControllerConfig<ApproverConfig>> {
  const program = createProgram();
  const help = parseCommandLine(program, argv);
  if (help) return help;
  const o = program.opts<{ scraperIdentity: string; operatorServiceAccount: string; maxExpirationSeconds: number } & Record<string, unknown>>();
  const runtime = controllerRuntimeConfigOf(o, env, LEADER_ELECTION, host);
  const operatorServiceAccount = parseServiceAccountRef(o.operatorServiceAccount);
  let policy: CsrPolicy;
  try {
    policy = createCsrPolicy({ scraperIdentity: o.scraperIdentity, operatorServiceAccount, maxExpirationSeconds: o.maxExpirationSeconds });
  } catch (e) {
    throw new ApproverError('APPROVER_ERR_CONFIG', e instanceof Error ? e.message : String(e), { cause: e });
  }
  let metricsTls: MetricsTlsOptions | undefined;
  try {
    metricsTls = metricsTlsOf(runtime.metricsServing, [o.scraperIdentity]);
  } catch (e) {
    throw new ApproverError('APPROVER_ERR_CONFIG', e instanceof Error ? e.message : String(e), { cause: e });
  }
  return {
    kind: 'run',
    logLevel: runtime.logLevel,
    config: { runtime, app: { scraperIdentity: o.scraperIdentity, operatorServiceAccount, maxExpirationSeconds: o.maxExpirationSeconds, policy, metricsTls } },
  };
}
