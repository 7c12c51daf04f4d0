import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_EXPIRATION_SECONDS, DEFAULT_NAMESPACE, DEFAULT_SCRAPER_USERNAME, MIN_EXPIRATION_SECONDS, createCsrPolicy, parseServiceAccountRef } from '@certscrape/identity';
import type { CsrPolicy, IdentitySet, ScraperIdentity, ServiceAccountRef } from '@certscrape/identity';
import { addControllerFlags, controllerRuntimeConfigOf, metricsTlsOf, readIdentitySetFile } from '@certscrape/kube-runtime';
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
  /** The first identity of the set (the platform scraper): `--scraper-identity`, or the file's first entry. */
  readonly scraperIdentity: string;
  /** Every identity a certificate may be issued for, in order (`--identities-file`, else the one `--scraper-identity`). */
  readonly identities: readonly ScraperIdentity[];
  /** The `--identities-file` path, when the set came from a file. */
  readonly identitiesFile: string | undefined;
  readonly operatorServiceAccount: ServiceAccountRef;
  readonly maxExpirationSeconds: number;
  /** The policy built from the flags (validated). */
  readonly policy: CsrPolicy;
  /**
   * /metrics over HTTPS (`--metrics-secure`, default) for the client certificate of the first identity only: the
   * platform scraper. Tenant identities further down the set scrape their own workloads, not the approver.
   * undefined = plain HTTP on loopback.
   */
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
    .addOption(new Option('--scraper-identity <username>', 'the identity certificates are issued for (subject CN); with several, use --identities-file').default(DEFAULT_SCRAPER_USERNAME))
    .addOption(
      new Option(
        '--identities-file <path>',
        'YAML file (apiVersion certscrape.io/v1alpha1, kind ScraperIdentities) listing every identity certificates may be issued for: a CSR is approved only when its subject is exactly one of them (CN = username, O = exactly its groups); the first may read /metrics. Not together with --scraper-identity',
      ),
    )
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
  const o = program.opts<{ scraperIdentity: string; identitiesFile?: string; operatorServiceAccount: string; maxExpirationSeconds: number } & Record<string, unknown>>();
  const runtime = controllerRuntimeConfigOf(o, env, LEADER_ELECTION, host);
  const operatorServiceAccount = parseServiceAccountRef(o.operatorServiceAccount);
  const identities = configured(() => identitiesOf(program, o.identitiesFile, o.scraperIdentity));
  const policy = configured(() => createCsrPolicy({ scraperIdentities: identities, operatorServiceAccount, maxExpirationSeconds: o.maxExpirationSeconds }));
  const metricsTls = configured(() => metricsTlsOf(runtime.metricsServing, [policy.identity.username]));
  return {
    kind: 'run',
    logLevel: runtime.logLevel,
    config: {
      runtime,
      app: { scraperIdentity: policy.identity.username, identities: policy.identities, identitiesFile: o.identitiesFile, operatorServiceAccount, maxExpirationSeconds: o.maxExpirationSeconds, policy, metricsTls },
    },
  };
}

/** Runs one configuration step; its error becomes `APPROVER_ERR_CONFIG` (runMain: exit 2), the cause kept. */
function configured<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    throw new ApproverError('APPROVER_ERR_CONFIG', e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/**
 * The identity set: the file's, or the one `--scraper-identity` names (today's single identity, exactly).
 * Both at once is refused rather than guessed at: which one would be meant?
 */
function identitiesOf(program: Command, file: string | undefined, scraperIdentity: string): readonly ScraperIdentity[] {
  if (file === undefined) return [{ username: scraperIdentity, groups: [] }];
  if (program.getOptionValueSource('scraperIdentity') !== 'default') {
    throw new ApproverError('APPROVER_ERR_CONFIG', '--scraper-identity and --identities-file are mutually exclusive: list every identity in the file');
  }
  const set: IdentitySet = readIdentitySetFile(file);
  return set.identities.map((id) => ({ username: id.username, groups: id.groups }));
}
