import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_EXPIRATION_SECONDS, DEFAULT_NAMESPACE, DEFAULT_SCRAPER_USERNAME, MIN_EXPIRATION_SECONDS, createCsrPolicy, parseServiceAccountRef } from '@certscrape/identity';
import type { CsrPolicy, ServiceAccountRef } from '@certscrape/identity';
import { parseBindAddress } from '@certscrape/kube-runtime';

/** The name of the leader-election Lease. */
export const LEADER_ELECTION_ID = 'certscrape-csr-approver';

/** Everything the approver needs, decided once at start. */
export interface ApproverConfig {
  /** Explicit kubeconfig path; undefined = in-cluster, then KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig: string | undefined;
  readonly scraperIdentity: string;
  readonly operatorServiceAccount: ServiceAccountRef;
  readonly maxExpirationSeconds: number;
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace: string;
  /** Lease name. Always {@link LEADER_ELECTION_ID}. */
  readonly leaderElectionId: string;
  /** This replica's identity in the Lease: POD_NAME (else the hostname) plus a random suffix. */
  readonly leaderElectionIdentity: string;
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  /** The policy built from the flags (validated). */
  readonly policy: CsrPolicy;
  /** Environment the kubeconfig loader may consult (KUBERNETES_SERVICE_*, KUBECONFIG, HOME). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** pino level from LOG_LEVEL. Default info. */
  readonly logLevel: string;
}

/** Outcome of parsing: a config to run, or text to print and an exit code (help, bad flags). */
export type ParseResult = { readonly kind: 'run'; readonly config: ApproverConfig } | { readonly kind: 'exit'; readonly code: number; readonly stdout: string; readonly stderr: string };

function parseBool(value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidArgumentError('expected true or false');
}

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of seconds');
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < MIN_EXPIRATION_SECONDS) throw new InvalidArgumentError(`must be at least ${MIN_EXPIRATION_SECONDS}`);
  return n;
}

function parseAddress(value: string): string {
  try {
    parseBindAddress(value);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
  return value;
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
  return new Command('certscrape-csr-approver')
    .description(
      'Approves exactly the scraper client-certificate CSRs (signer kubernetes.io/kube-apiserver-client) that the certscrape policy allows, denies in-scope CSRs that break it (listing every violation), and leaves every other CSR alone.',
    )
    .addOption(new Option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster service account, then $KUBECONFIG, then ~/.kube/config)'))
    .addOption(new Option('--scraper-identity <username>', 'the identity certificates are issued for (subject CN)').default(DEFAULT_SCRAPER_USERNAME))
    .addOption(new Option('--operator-service-account <namespace/name>', 'the only requester whose CSRs may be approved').default(`${DEFAULT_NAMESPACE}/monitoring-operator`).argParser(parseSa))
    .addOption(
      new Option('--max-expiration-seconds <seconds>', `largest spec.expirationSeconds accepted (at least ${MIN_EXPIRATION_SECONDS})`).default(DEFAULT_EXPIRATION_SECONDS).argParser(parseSeconds),
    )
    .addOption(new Option('--leader-elect [bool]', 'elect a leader through a coordination.k8s.io Lease so several replicas are safe; --leader-elect=false for local runs').default(true).argParser(parseBool))
    .addOption(new Option('--leader-election-namespace <namespace>', `namespace of the Lease "${LEADER_ELECTION_ID}"`).default(DEFAULT_NAMESPACE))
    .addOption(new Option('--metrics-bind-address <host:port>', 'address of /metrics (":8080" = all interfaces, "0" disables)').default(':8080').argParser(parseAddress))
    .addOption(new Option('--health-probe-bind-address <host:port>', 'address of /healthz and /readyz ("0" disables)').default(':8081').argParser(parseAddress))
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .showHelpAfterError(false);
}

/**
 * Parses argv (user arguments only, without node and script) and the environment. Never exits
 * the process: `--help` and bad flags come back as `{ kind: 'exit' }` with the text to print.
 */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, host: string = hostname()): ParseResult {
  let stdout = '';
  let stderr = '';
  const program = createProgram()
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      const code = e.code === 'commander.helpDisplayed' || e.code === 'commander.help' ? 0 : 2;
      return { kind: 'exit', code, stdout, stderr: stderr || (code ? `${e.message}\n` : '') };
    }
    throw e;
  }
  const o = program.opts<{
    kubeconfig?: string;
    scraperIdentity: string;
    operatorServiceAccount: string;
    maxExpirationSeconds: number;
    leaderElect: boolean;
    leaderElectionNamespace: string;
    metricsBindAddress: string;
    healthProbeBindAddress: string;
  }>();
  let policy: CsrPolicy;
  const operatorServiceAccount = parseServiceAccountRef(o.operatorServiceAccount);
  try {
    policy = createCsrPolicy({ scraperIdentity: o.scraperIdentity, operatorServiceAccount, maxExpirationSeconds: o.maxExpirationSeconds });
  } catch (e) {
    return { kind: 'exit', code: 2, stdout: '', stderr: `error: ${e instanceof Error ? e.message : String(e)}\n` };
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.leaderElectionNamespace)) {
    return { kind: 'exit', code: 2, stdout: '', stderr: `error: invalid --leader-election-namespace ${JSON.stringify(o.leaderElectionNamespace)}\n` };
  }
  return {
    kind: 'run',
    config: {
      kubeconfig: o.kubeconfig,
      scraperIdentity: o.scraperIdentity,
      operatorServiceAccount,
      maxExpirationSeconds: o.maxExpirationSeconds,
      leaderElect: o.leaderElect,
      leaderElectionNamespace: o.leaderElectionNamespace,
      leaderElectionId: LEADER_ELECTION_ID,
      leaderElectionIdentity: `${env['POD_NAME'] || host}_${randomUUID()}`,
      metricsBindAddress: o.metricsBindAddress,
      healthProbeBindAddress: o.healthProbeBindAddress,
      policy,
      env: pickEnv(env),
      logLevel: env['LOG_LEVEL'] ?? 'info',
    },
  };
}

/** Reads the real process argv and environment: the only place in the app that does. */
export function configFromProcess(): ParseResult {
  return parseConfig(process.argv.slice(2), process.env);
}

function pickEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const keys = ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'KUBECONFIG', 'HOME'];
  return Object.fromEntries(keys.map((k) => [k, env[k]]));
}
