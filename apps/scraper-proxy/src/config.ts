import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { addStandardFlags, isProcessKitError, logLevelOf, parseCommandLine, parseDurationFlag } from '@certscrape/process-kit';
import type { LogLevel, ParseOutcome } from '@certscrape/process-kit';
import { ProxyError, isProxyError } from './errors.js';
import { parseHostPort } from './host-port.js';
import type { HostPort } from './host-port.js';
import type { TargetOverride } from './target-policy.js';

export type { LogLevel };

/** The whole, validated configuration of one scraper-proxy process. */
export interface ProxyConfig {
  /** --listen-address: where scrapers connect (plain HTTP; keep it on loopback or a pod-local address). Default 127.0.0.1:9092. */
  readonly listen: HostPort;
  /** --metrics-bind-address: /metrics and /healthz. Default 127.0.0.1:9098 (9093 is Alertmanager's port; 9098 is outside the ports the Prometheus wiki allocates). */
  readonly metricsListen: HostPort;
  /** --cert-file / --key-file: the client certificate (PEM, leaf first, intermediates may follow) and its private key. Required. */
  readonly certFile: string;
  readonly keyFile: string;
  /** --upstream-ca-file: CA bundle that targets' serving certificates must chain to. Required unless insecure. */
  readonly upstreamCaFile: string | undefined;
  /** --insecure-skip-upstream-verify: do not verify targets' serving certificates. Default false. */
  readonly insecureSkipUpstreamVerify: boolean;
  /** --exit-on-change: exit 0 when a new valid pair appears (the pair at start is the baseline). Default false. */
  readonly exitOnChange: boolean;
  /** --token-file: bearer token sent to --token-targets (re-read when it changes). Default none. */
  readonly tokenFile: string | undefined;
  /** --token-targets: the only targets (`host:port`) an Authorization header may be sent to. Default none. */
  readonly tokenTargets: readonly HostPort[];
  /** --targets-config: per-target overrides, keyed by canonical `host:port`. Default none. */
  readonly targets: Readonly<Record<string, TargetOverride>>;
  /** --poll-interval: how often the mounted files are compared. Default 500 ms. */
  readonly pollIntervalMs: number;
  /** --upstream-timeout: cap for one scrape (also capped by the scraper's X-Prometheus-Scrape-Timeout-Seconds). Default 30 s. */
  readonly upstreamTimeoutMs: number;
  /** --upstream-connect-timeout: TCP + TLS handshake. Default 10 s. */
  readonly connectTimeoutMs: number;
  /** --max-connections-per-target: pooled keep-alive connections per target. Default 4. */
  readonly maxConnectionsPerTarget: number;
  /** --log-level, else -v, else $LOG_LEVEL. Default info. */
  readonly logLevel: LogLevel;
}

/** The result of reading the command line: run with a config, or print the help (exit 0). */
export type ConfigResult = ParseOutcome<ProxyConfig>;

/** Raw option values as commander yields them. */
export interface RawOptions {
  listenAddress: string;
  metricsBindAddress: string;
  certFile?: string;
  keyFile?: string;
  upstreamCaFile?: string;
  insecureSkipUpstreamVerify: boolean;
  exitOnChange: boolean;
  tokenFile?: string;
  tokenTargets: string[];
  targetsConfig?: string;
  pollInterval: string;
  upstreamTimeout: string;
  upstreamConnectTimeout: string;
  maxConnectionsPerTarget: string;
  /** Resolved from --log-level / -v / $LOG_LEVEL by process-kit's logLevelOf. */
  logLevel: LogLevel;
}

function command(): Command {
  const cmd = new Command()
    .name('certscrape-scraper-proxy')
    .description(
      'Forward proxy beside a metrics scraper: originates mTLS to targets with a hot-reloaded client certificate, ' +
        'verifies their serving certificates, and never forwards a bearer token to a target that is not listed.',
    )
    .option('--listen-address <host:port>', 'address for scrapers (absolute-form proxy requests and /proxy/<host:port>/<path>)', '127.0.0.1:9092')
    .option('--cert-file <path>', 'client certificate PEM (e.g. tls.crt of the mounted metrics-client-certs Secret)')
    .option('--key-file <path>', 'private key PEM matching --cert-file (e.g. tls.key)')
    .option('--upstream-ca-file <path>', "CA bundle the targets' serving certificates must chain to")
    .option('--exit-on-change', 'exit 0 when the certificate/key pair changes, instead of reloading it', false)
    .option('--token-file <path>', 'bearer token to send to --token-targets (re-read when it changes)')
    .option(
      '--token-targets <host:port,...>',
      'targets that may receive an Authorization header (repeatable, comma-separated); all others never do',
      (value: string, previous: string[]) => [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')],
      [] as string[],
    )
    .option('--insecure-skip-upstream-verify', "do not verify targets' serving certificates (testing only)", false)
    .option('--metrics-bind-address <host:port>', 'address for /metrics and /healthz', '127.0.0.1:9098')
    .option('--targets-config <path>', 'YAML file with per-target settings: targets: {"host:port": {serverName, clientCertificate}}')
    .option('--poll-interval <duration>', 'how often the mounted files are compared', '500ms')
    .option('--upstream-timeout <duration>', 'upper bound for one scrape', '30s')
    .option('--upstream-connect-timeout <duration>', 'upper bound for connecting to a target (TCP + TLS)', '10s')
    .option('--max-connections-per-target <n>', 'pooled keep-alive connections per target', '4')
    .helpOption('--help', 'show this help')
    .allowExcessArguments(false);
  return addStandardFlags(cmd);
}

/**
 * Reads the command line (`args` without the node and script entries). Never exits the process: --help comes back
 * as `{ kind: 'print' }`; usage errors throw coded errors (runMain prints `certscrape-scraper-proxy: CODE: message`
 * and exits 2). `readTextFile` reads --targets-config; `env` supplies LOG_LEVEL.
 */
export function parseArgs(
  args: readonly string[],
  readTextFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  env: Readonly<Record<string, string | undefined>> = {},
): ConfigResult {
  const cmd = command();
  const help = parseCommandLine(cmd, args);
  if (help) return help;
  const opts = cmd.opts<Omit<RawOptions, 'logLevel'> & { logLevel?: string; v?: string }>();
  let logLevel: LogLevel;
  try {
    logLevel = logLevelOf(opts, env['LOG_LEVEL']);
  } catch (e) {
    throw configError(isProcessKitError(e) ? e.message : String(e), e);
  }
  const raw: RawOptions = { ...opts, logLevel };
  const targets = raw.targetsConfig === undefined ? {} : parseTargetsConfig(readTargetsFile(raw.targetsConfig, readTextFile), raw.targetsConfig);
  return { kind: 'run', logLevel, config: buildConfig(raw, targets) };
}

/** Validates raw options into a ProxyConfig; throws PROXY_ERR_CONFIG naming the flag at fault. */
export function buildConfig(raw: RawOptions, targets: Readonly<Record<string, TargetOverride>> = {}): ProxyConfig {
  if (raw.certFile === undefined || raw.certFile === '') throw configError('--cert-file is required');
  if (raw.keyFile === undefined || raw.keyFile === '') throw configError('--key-file is required');
  if (raw.insecureSkipUpstreamVerify && raw.upstreamCaFile !== undefined) {
    throw configError('--upstream-ca-file and --insecure-skip-upstream-verify contradict each other; pass one');
  }
  if (!raw.insecureSkipUpstreamVerify && (raw.upstreamCaFile === undefined || raw.upstreamCaFile === '')) {
    throw configError("--upstream-ca-file is required (the targets' serving certificates are verified against it); --insecure-skip-upstream-verify disables verification");
  }
  const maxConnections = Number(raw.maxConnectionsPerTarget);
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw configError('--max-connections-per-target must be a positive integer');
  return {
    listen: address('--listen-address', raw.listenAddress),
    metricsListen: address('--metrics-bind-address', raw.metricsBindAddress),
    certFile: raw.certFile,
    keyFile: raw.keyFile,
    upstreamCaFile: raw.insecureSkipUpstreamVerify ? undefined : raw.upstreamCaFile,
    insecureSkipUpstreamVerify: raw.insecureSkipUpstreamVerify,
    exitOnChange: raw.exitOnChange,
    tokenFile: raw.tokenFile === '' ? undefined : raw.tokenFile,
    tokenTargets: raw.tokenTargets.map((t) => {
      try {
        return parseHostPort(t);
      } catch (e) {
        throw configError(`--token-targets: ${isProxyError(e) ? e.message : String(e)} (each entry is host:port)`, e);
      }
    }),
    targets,
    pollIntervalMs: duration('--poll-interval', raw.pollInterval, 10),
    upstreamTimeoutMs: duration('--upstream-timeout', raw.upstreamTimeout, 1),
    connectTimeoutMs: duration('--upstream-connect-timeout', raw.upstreamConnectTimeout, 1),
    maxConnectionsPerTarget: maxConnections,
    logLevel: raw.logLevel,
  };
}

/**
 * Validates the --targets-config document: `{ targets: { "<host:port>": { serverName?: string, clientCertificate?: boolean } } }`.
 * Keys are canonicalised (lower-case host, bracketed IPv6); unknown fields and duplicate targets are errors.
 */
export function parseTargetsConfig(text: string, source = '--targets-config'): Record<string, TargetOverride> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw configError(`${source}: not valid YAML: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) throw configError(`${source}: expected a mapping with a "targets" key`);
  for (const key of Object.keys(doc)) if (key !== 'targets') throw configError(`${source}: unknown key ${JSON.stringify(key)}`);
  const targets = doc['targets'] ?? {};
  if (!isRecord(targets)) throw configError(`${source}: "targets" must be a mapping of "host:port" to settings`);
  const out: Record<string, TargetOverride> = {};
  for (const [key, value] of Object.entries(targets)) {
    let authority: string;
    try {
      authority = parseHostPort(key).authority;
    } catch (e) {
      throw configError(`${source}: target ${JSON.stringify(key)}: ${isProxyError(e) ? e.message : String(e)}`, e);
    }
    if (out[authority] !== undefined) throw configError(`${source}: target ${authority} is listed twice`);
    const settings = value ?? {};
    if (!isRecord(settings)) throw configError(`${source}: target ${authority}: settings must be a mapping`);
    const override: { serverName?: string; clientCertificate?: boolean } = {};
    for (const [field, v] of Object.entries(settings)) {
      if (field === 'serverName') {
        if (typeof v !== 'string' || v === '') throw configError(`${source}: target ${authority}: serverName must be a non-empty string`);
        override.serverName = v;
      } else if (field === 'clientCertificate') {
        if (typeof v !== 'boolean') throw configError(`${source}: target ${authority}: clientCertificate must be true or false`);
        override.clientCertificate = v;
      } else {
        throw configError(`${source}: target ${authority}: unknown field ${JSON.stringify(field)}`);
      }
    }
    out[authority] = override;
  }
  return out;
}

function readTargetsFile(path: string, readTextFile: (path: string) => string): string {
  try {
    return readTextFile(path);
  } catch (e) {
    throw configError(`--targets-config: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

function address(flag: string, value: string) {
  try {
    return parseHostPort(value);
  } catch (e) {
    throw configError(`${flag}: ${isProxyError(e) ? e.message : String(e)}`, e);
  }
}

function duration(flag: string, value: string, minMs: number): number {
  try {
    // Go's time.ParseDuration; a bare whole number still means seconds, as it always did here.
    return parseDurationFlag(value, { flag, minMs, bareSeconds: true });
  } catch (e) {
    throw configError(isProcessKitError(e) ? e.message : String(e), e);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function configError(message: string, cause?: unknown): ProxyError {
  return new ProxyError('PROXY_ERR_CONFIG', message, cause === undefined ? undefined : { cause });
}
