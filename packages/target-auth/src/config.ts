import { Command, CommanderError, Option } from 'commander';
import { TargetAuthError } from './errors.js';

/** The sidecar's configuration, from kube-rbac-proxy-compatible flags. */
export interface SidecarConfig {
  /** `--secure-listen-address` (`host:port`, `[v6]:port` or `:port`). */
  readonly listenHost: string;
  readonly listenPort: number;
  /** `--upstream`: a plain `http://` URL. */
  readonly upstream: URL;
  /** `--client-ca-file`: enables client-certificate authentication. */
  readonly clientCaFile: string | undefined;
  /** `--config-file`: kube-rbac-proxy `authorization.static` rules. */
  readonly configFile: string | undefined;
  /**
   * `--tls-cert-file` / `--tls-private-key-file`: the serving pair (hot-reloaded). Both absent:
   * a self-signed pair is generated in memory at startup (as kube-rbac-proxy does).
   */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** `--allow-paths`: path patterns; others get 404. Empty = all. */
  readonly allowPaths: readonly string[];
  /** `--kubeconfig`: enables the delegated TokenReview/SubjectAccessReview fallback. */
  readonly kubeconfig: string | undefined;
  /** `--auth-token-audiences`. */
  readonly tokenAudiences: readonly string[];
  /**
   * `--delegated-cache-ttl`: how long TokenReview successes and SubjectAccessReview allows are
   * cached, in ms (0 disables caching; rejections/denies are cached for at most this too).
   * Undefined: the defaults (2 min tokens, 5 min allows, as kube-rbac-proxy).
   */
  readonly delegatedCacheTtlMs: number | undefined;
  /** `--file-poll-interval` in ms (default 500). */
  readonly pollIntervalMs: number;
  /** `--decision-log`: log every decision. */
  readonly decisionLog: boolean;
}

/** The result of parsing flags: a config, or help/version text to print and exit 0. */
export type ParsedFlags = { readonly kind: 'run'; readonly config: SidecarConfig } | { readonly kind: 'help'; readonly text: string };

// kube-rbac-proxy flags that deployments commonly pass and that change nothing here.
const IGNORED_FLAGS = ['logtostderr', 'v', 'tls-cipher-suites', 'tls-min-version', 'auth-header-fields-enabled'];

function buildCommand(): Command {
  const cmd = new Command('certscrape-target-auth')
    .description(
      'Sidecar in front of a plain-HTTP metrics endpoint: authenticates clients by certificate (or, with --kubeconfig, by bearer token via TokenReview), authorizes with kube-rbac-proxy static rules (or SubjectAccessReview for token users), and proxies allowed requests to --upstream.',
    )
    .requiredOption('--secure-listen-address <host:port>', 'address to serve HTTPS on, e.g. 0.0.0.0:8443')
    .requiredOption('--upstream <url>', 'plain http:// URL of the protected endpoint, e.g. http://127.0.0.1:9100/')
    .option('--client-ca-file <path>', 'PEM client CA bundle; enables client-certificate authentication (hot-reloaded)')
    .option('--config-file <path>', 'kube-rbac-proxy config file with authorization.static rules')
    .option('--tls-cert-file <path>', 'serving certificate (PEM, hot-reloaded with the key); without it a self-signed one is generated')
    .option('--tls-private-key-file <path>', 'serving private key (PEM)')
    .option('--allow-paths <patterns>', 'comma-separated path patterns (Go path.Match); other paths get 404', '')
    .option('--kubeconfig <path>', 'kubeconfig; enables the TokenReview/SubjectAccessReview fallback for requests without a client certificate')
    .option('--auth-token-audiences <list>', 'comma-separated audiences for TokenReview', '')
    .option('--delegated-cache-ttl <duration>', 'cache TTL for TokenReview/SubjectAccessReview answers, e.g. 0, 30s, 2m (default: 2m tokens, 5m allows)')
    .option('--file-poll-interval <ms>', 'how often watched files are re-read', '500')
    .option('--decision-log', 'log every authentication/authorization decision', false)
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  for (const f of IGNORED_FLAGS) cmd.addOption(new Option(`--${f} [value]`).hideHelp());
  return cmd;
}

/**
 * Parses the sidecar's flags (without `node` and the script: `process.argv.slice(2)`).
 * Throws `TARGET_AUTH_ERR_FLAGS_INVALID` on bad or missing flags; `--help` returns the help text.
 * Requires `--client-ca-file` or `--kubeconfig` (otherwise nothing could authenticate).
 */
export function parseSidecarFlags(args: readonly string[]): ParsedFlags {
  const cmd = buildCommand();
  try {
    cmd.parse([...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.help')) return { kind: 'help', text: cmd.helpInformation() };
    throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', (e as Error).message.replace(/^error: /, ''), { cause: e });
  }
  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  const str = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);
  const { host, port } = parseListenAddress(str('secureListenAddress') as string);
  let upstream: URL;
  try {
    upstream = new URL(str('upstream') as string);
  } catch (cause) {
    throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', `--upstream is not a URL: ${String(o.upstream)}`, { cause });
  }
  if (upstream.protocol !== 'http:') throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', '--upstream must be an http:// URL');
  const clientCaFile = str('clientCaFile');
  const kubeconfig = str('kubeconfig');
  if (clientCaFile === undefined && kubeconfig === undefined) {
    throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', 'set --client-ca-file and/or --kubeconfig: otherwise no request can be authenticated');
  }
  if ((str('tlsCertFile') === undefined) !== (str('tlsPrivateKeyFile') === undefined)) {
    throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', 'set both --tls-cert-file and --tls-private-key-file, or neither');
  }
  const pollIntervalMs = Number(str('filePollInterval') ?? '500');
  if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 50) throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', '--file-poll-interval must be an integer >= 50 (ms)');
  const ttl = str('delegatedCacheTtl');
  const delegatedCacheTtlMs = ttl === undefined ? undefined : parseDurationMs(ttl, '--delegated-cache-ttl');
  const list = (k: string) =>
    (str(k) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return {
    kind: 'run',
    config: {
      listenHost: host,
      listenPort: port,
      upstream,
      clientCaFile,
      configFile: str('configFile'),
      tlsCertFile: str('tlsCertFile'),
      tlsKeyFile: str('tlsPrivateKeyFile'),
      allowPaths: list('allowPaths'),
      kubeconfig,
      tokenAudiences: list('authTokenAudiences'),
      delegatedCacheTtlMs,
      pollIntervalMs,
      decisionLog: o.decisionLog === true,
    },
  };
}

/** `host:port`, `[::1]:port` or `:port` (all interfaces) -> host and port. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (m === null || port > 65535) throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', `--secure-listen-address must be host:port, got ${JSON.stringify(address)}`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** `0`, `250ms`, `30s`, `2m`, `1h` (a bare number is seconds) -> milliseconds; coded error otherwise. */
export function parseDurationMs(text: string, flag = 'duration'): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', `${flag} must be a duration like 0, 30s, 2m: ${JSON.stringify(text)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}
