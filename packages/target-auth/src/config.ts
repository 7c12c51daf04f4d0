import type { SecureVersion } from 'node:tls';
import { isIP } from 'node:net';
import { TargetAuthError } from './errors.js';
import { isProcessKitError, parseDurationFlag, resolveLogLevel, splitHostPort, type LogLevel } from '@certscrape/process-kit';
import { SIDECAR_FLAGS, type SidecarFlag } from './sidecar/kube-rbac-proxy-flags.js';
import { parsePflags, type FlagValue } from './sidecar/pflag.js';
import { tlsCipherSuites, tlsMinVersion } from './sidecar/tls-options.js';

/** A listen address: `host` undefined means all interfaces (Go's `:port`). */
export interface ListenAddress {
  readonly host: string | undefined;
  readonly port: number;
}

/** `--auth-header-fields-enabled`: the names the identity is passed to the upstream under. */
export interface AuthHeaderFields {
  /** Lower-case header name for the user name (default `x-remote-user`). */
  readonly userField: string;
  /** Lower-case header name for the groups (default `x-remote-groups`); `''` sends none. */
  readonly groupsField: string;
  /** Between groups (default `|`). */
  readonly separator: string;
}

/** The sidecar's configuration, from kube-rbac-proxy-compatible flags (see `sidecar/kube-rbac-proxy-flags.ts`). */
export interface SidecarConfig {
  /** `--secure-listen-address` host; undefined = all interfaces. */
  readonly listenHost: string | undefined;
  readonly listenPort: number;
  /** `--upstream`: an `http://` or `https://` URL. */
  readonly upstream: URL;
  /** `--upstream-force-h2c`: HTTP/2 prior knowledge to an `http://` loopback upstream. */
  readonly upstreamForceH2c: boolean;
  /** `--upstream-ca-file` (https upstream; default system roots). */
  readonly upstreamCaFile: string | undefined;
  /** `--upstream-client-cert-file` / `--upstream-client-key-file` (both or neither; reloaded). */
  readonly upstreamClientCertFile: string | undefined;
  readonly upstreamClientKeyFile: string | undefined;
  /** `--client-ca-file` (default `$CERTSCRAPE_CLIENT_CA_FILE`): enables client-certificate authentication. */
  readonly clientCaFile: string | undefined;
  /** `--config-file` (default `$CERTSCRAPE_CONFIG_FILE`): kube-rbac-proxy `authorization.static` rules. */
  readonly configFile: string | undefined;
  /** `--tls-cert-file` / `--tls-private-key-file`; both absent: a generated self-signed pair. */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** `--tls-min-version` as Node's `minVersion` (default TLSv1.2). */
  readonly tlsMinVersion: SecureVersion;
  /** `--tls-cipher-suites` as an OpenSSL `ciphers` string; undefined = Node's defaults. */
  readonly tlsCiphers: string | undefined;
  /** `--allow-paths`: path patterns; others get 404. Empty = all. */
  readonly allowPaths: readonly string[];
  /** `--ignore-paths`: path patterns proxied without authentication/authorization. */
  readonly ignorePaths: readonly string[];
  /** `--kubeconfig`: enables the delegated TokenReview/SubjectAccessReview fallback. */
  readonly kubeconfig: string | undefined;
  /** No `--kubeconfig`, no client CA, and `$KUBERNETES_SERVICE_HOST` set: the token fallback uses in-cluster config (as kube-rbac-proxy). */
  readonly inCluster: boolean;
  /** `--auth-token-audiences`. */
  readonly tokenAudiences: readonly string[];
  /** `--kube-api-qps` / `--kube-api-burst` after client-go defaulting (5 / 10); qps < 0 = unlimited. */
  readonly kubeApiQps: number;
  readonly kubeApiBurst: number;
  /** `--auth-header-fields-enabled` and its field names; undefined = no identity headers. */
  readonly authHeaders: AuthHeaderFields | undefined;
  /** `--proxy-endpoints-port`: `/healthz`, `/readyz` (and authorized `/metrics`) over TLS; undefined = off. */
  readonly proxyEndpointsPort: number | undefined;
  /** `--metrics-bind-address`: plain-HTTP `/metrics`, `/healthz`, `/readyz`; undefined = off. */
  readonly metricsAddress: ListenAddress | undefined;
  /** HTTP/2 serving: off with `--http2-disable`; stream and frame limits. */
  readonly http2: { readonly enabled: boolean; readonly maxConcurrentStreams: number; readonly maxSize: number };
  /**
   * `--delegated-cache-ttl`: how long TokenReview successes and SubjectAccessReview allows are
   * cached, in ms (0 disables caching). Undefined: the defaults (2 min tokens, 5 min allows).
   */
  readonly delegatedCacheTtlMs: number | undefined;
  /** `--file-poll-interval` in ms (default 500): CA bundle, upstream CA/client pair, config. */
  readonly pollIntervalMs: number;
  /** `--tls-reload-interval` in ms: the serving pair's poll interval (default: `pollIntervalMs`). */
  readonly tlsReloadIntervalMs: number;
  /** `--decision-log`: log every decision. */
  readonly decisionLog: boolean;
  /** `--log-level`, else `-v`/`--v` (klog verbosity), else `$LOG_LEVEL`, else info. */
  readonly logLevel: LogLevel;
  /** Warnings to log once at start-up (ignored logging flags, deprecated flags). */
  readonly warnings: readonly string[];
}

/** The result of parsing flags: a config, or help/version to print and exit 0. */
export type ParsedFlags = { readonly kind: 'run'; readonly config: SidecarConfig } | { readonly kind: 'help'; readonly text: string } | { readonly kind: 'version' };

/** The environment variables the sidecar reads (all optional). */
export interface SidecarEnvironment {
  readonly CERTSCRAPE_CLIENT_CA_FILE?: string | undefined;
  readonly CERTSCRAPE_CONFIG_FILE?: string | undefined;
  readonly KUBERNETES_SERVICE_HOST?: string | undefined;
  readonly LOG_LEVEL?: string | undefined;
}

/**
 * Parses the sidecar's flags (`process.argv.slice(2)`) with pflag semantics over
 * {@link SIDECAR_FLAGS}, validates them as kube-rbac-proxy does, and returns the config.
 * Throws `TARGET_AUTH_ERR_FLAGS_INVALID` with one line naming the flag for bad, missing or
 * refused flags. `env` defaults to `process.env` (read only here).
 */
export function parseSidecarFlags(args: readonly string[], env: SidecarEnvironment = process.env): ParsedFlags {
  const { values } = parsePflags(SIDECAR_FLAGS, args);
  if (values.get('help') === true) return { kind: 'help', text: helpText() };
  const version = values.get('version');
  if (version !== undefined && version !== 'false') return { kind: 'version' };

  const warnings: string[] = [];
  const logging: string[] = [];
  for (const flag of SIDECAR_FLAGS) {
    const v = values.get(flag.name);
    if (v === undefined) continue;
    if (flag.disposition.kind === 'refused' && !isDefault(flag, v)) invalid(`--${flag.name} is not supported: ${flag.disposition.why}`);
    if (flag.disposition.kind === 'logging') logging.push(`--${flag.name}`);
  }
  if (logging.length > 0) warnings.push(`klog flags accepted and ignored (logs are JSON on stdout): ${logging.join(', ')}`);

  const str = (k: string): string | undefined => {
    const v = values.get(k);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const list = (k: string): readonly string[] => ((values.get(k) as readonly string[] | undefined) ?? []).map((s) => s.trim()).filter((s) => s !== '');
  const num = (k: string, fallback: number): number => (values.get(k) as number | undefined) ?? fallback;
  const bool = (k: string): boolean => values.get(k) === true;

  const listenText = str('secure-listen-address');
  if (listenText === undefined) invalid('--secure-listen-address is required, e.g. --secure-listen-address=:8443');
  const listen = parseListenAddress(listenText, '--secure-listen-address');

  const upstreamText = str('upstream');
  if (upstreamText === undefined) invalid('--upstream is required, e.g. --upstream=http://127.0.0.1:9100/');
  let upstream: URL;
  try {
    upstream = new URL(upstreamText);
  } catch (cause) {
    throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', `--upstream is not a URL: ${JSON.stringify(upstreamText)}`, { cause });
  }
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') invalid(`--upstream must be an http:// or https:// URL, got ${JSON.stringify(upstreamText)}`);
  const upstreamForceH2c = bool('upstream-force-h2c');
  if (upstreamForceH2c && (upstream.protocol !== 'http:' || !isLoopbackHost(upstream.hostname))) invalid('--upstream-force-h2c needs an http:// upstream on a loopback address (h2c is unencrypted)');
  const upstreamClientCertFile = str('upstream-client-cert-file');
  const upstreamClientKeyFile = str('upstream-client-key-file');
  if ((upstreamClientCertFile === undefined) !== (upstreamClientKeyFile === undefined)) invalid('set both --upstream-client-cert-file and --upstream-client-key-file, or neither');
  const upstreamCaFile = str('upstream-ca-file');
  if (upstream.protocol === 'http:' && (upstreamCaFile !== undefined || upstreamClientCertFile !== undefined)) invalid('--upstream-ca-file and --upstream-client-cert-file need an https:// --upstream');

  const allowPaths = list('allow-paths');
  const ignorePaths = list('ignore-paths');
  if (allowPaths.length > 0 && ignorePaths.length > 0) invalid('cannot use --allow-paths and --ignore-paths together');
  for (const [flag, patterns] of [['--allow-paths', allowPaths], ['--ignore-paths', ignorePaths]] as const) {
    for (const p of patterns) if (p.includes('[') || p.includes('\\')) invalid(`${flag}: pattern ${JSON.stringify(p)} uses [] or \\, which are not supported`);
  }

  const clientCaFile = str('client-ca-file') ?? (env.CERTSCRAPE_CLIENT_CA_FILE || undefined);
  const kubeconfig = str('kubeconfig');
  // As kube-rbac-proxy, fall back to in-cluster config — but only when nothing else could
  // authenticate (no client CA): with a client CA and no --kubeconfig, the token fallback stays
  // off, so a pod's mounted service-account token never turns it on by accident.
  const inCluster = kubeconfig === undefined && clientCaFile === undefined && (env.KUBERNETES_SERVICE_HOST ?? '') !== '';
  if (clientCaFile === undefined && kubeconfig === undefined && !inCluster) {
    invalid('set --client-ca-file (or $CERTSCRAPE_CLIENT_CA_FILE) and/or --kubeconfig: otherwise no request can be authenticated');
  }
  const tlsCertFile = str('tls-cert-file');
  const tlsKeyFile = str('tls-private-key-file');
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) invalid('set both --tls-cert-file and --tls-private-key-file, or neither');

  let authHeaders: AuthHeaderFields | undefined;
  if (bool('auth-header-fields-enabled')) {
    const userField = (values.get('auth-header-user-field-name') as string | undefined) ?? 'x-remote-user';
    const groupsField = (values.get('auth-header-groups-field-name') as string | undefined) ?? 'x-remote-groups';
    const separator = (values.get('auth-header-groups-field-separator') as string | undefined) ?? '|';
    if (!isHeaderName(userField)) invalid(`--auth-header-user-field-name must be an HTTP header name, got ${JSON.stringify(userField)}`);
    if (groupsField !== '' && !isHeaderName(groupsField)) invalid(`--auth-header-groups-field-name must be an HTTP header name, got ${JSON.stringify(groupsField)}`);
    if (separator !== '' && groupsField === '') invalid('--auth-header-groups-field-name must be set along with --auth-header-groups-field-separator');
    if (!isLoopbackHost(upstream.hostname) && (upstream.protocol !== 'https:' || upstreamClientCertFile === undefined)) {
      invalid(`--auth-header-fields-enabled needs a loopback --upstream, or https:// with --upstream-client-cert-file (got ${upstream.origin})`);
    }
    authHeaders = { userField: userField.toLowerCase(), groupsField: groupsField.toLowerCase(), separator };
  }

  const pollText = str('file-poll-interval') ?? '500';
  // This flag's own contract: a bare number is milliseconds (not seconds), otherwise a Go duration.
  const pollIntervalMs = /^\d+$/.test(pollText) ? Number(pollText) : durationMs(pollText, '--file-poll-interval', false);
  if (pollIntervalMs === undefined || !Number.isInteger(pollIntervalMs) || pollIntervalMs < 50) invalid('--file-poll-interval must be >= 50 ms (a number of ms, or a duration like 2s)');
  const reload = values.get('tls-reload-interval') as number | undefined;
  if (reload !== undefined) {
    if (reload < 50) invalid('--tls-reload-interval must be at least 50ms');
    warnings.push('--tls-reload-interval is deprecated in kube-rbac-proxy; it sets how often the serving certificate is re-read');
  }
  const ttlText = str('delegated-cache-ttl');
  const ttl = ttlText === undefined ? undefined : parseDurationMs(ttlText, '--delegated-cache-ttl');

  const endpointsPort = num('proxy-endpoints-port', 0);
  if (endpointsPort < 0 || endpointsPort > 65535) invalid(`--proxy-endpoints-port must be a port (0-65535), got ${endpointsPort}`);
  if (endpointsPort !== 0 && endpointsPort === listen.port) invalid('--proxy-endpoints-port must differ from the --secure-listen-address port');
  const metricsText = str('metrics-bind-address');
  const qps = num('kube-api-qps', 0);
  const burst = num('kube-api-burst', 0);
  if (burst < 0) invalid('--kube-api-burst must not be negative');

  return {
    kind: 'run',
    config: {
      listenHost: listen.host,
      listenPort: listen.port,
      upstream,
      upstreamForceH2c,
      upstreamCaFile,
      upstreamClientCertFile,
      upstreamClientKeyFile,
      clientCaFile,
      configFile: str('config-file') ?? (env.CERTSCRAPE_CONFIG_FILE || undefined),
      tlsCertFile,
      tlsKeyFile,
      tlsMinVersion: tlsMinVersion((values.get('tls-min-version') as string | undefined) ?? ''),
      tlsCiphers: tlsCipherSuites(list('tls-cipher-suites')),
      allowPaths,
      ignorePaths,
      kubeconfig,
      inCluster,
      tokenAudiences: list('auth-token-audiences'),
      kubeApiQps: qps === 0 ? 5 : qps,
      kubeApiBurst: burst === 0 ? 10 : burst,
      authHeaders,
      proxyEndpointsPort: endpointsPort === 0 ? undefined : endpointsPort,
      metricsAddress: metricsText === undefined ? undefined : parseListenAddress(metricsText, '--metrics-bind-address'),
      http2: {
        enabled: !bool('http2-disable') && !bool('disable-http2-serving'),
        maxConcurrentStreams: num('http2-max-concurrent-streams', 100),
        maxSize: num('http2-max-size', 256 * 1024),
      },
      delegatedCacheTtlMs: ttl,
      pollIntervalMs,
      tlsReloadIntervalMs: reload ?? pollIntervalMs,
      decisionLog: bool('decision-log'),
      logLevel: resolveLogLevel({ logLevel: str('log-level'), verbosity: str('v'), env: env.LOG_LEVEL }),
      warnings,
    },
  };
}

// Go's fallback table for named TCP ports (net/lookup.go), used when /etc/services has no entry.
const NAMED_PORTS: Record<string, number> = { ftp: 21, ftps: 990, gopher: 70, http: 80, https: 443, imap2: 143, imap3: 220, imaps: 993, pop3: 110, pop3s: 995, smtp: 25, submissions: 465, ssh: 22, telnet: 23 };

/**
 * A listen address as Go's `net.Listen("tcp", …)` reads it (`net.SplitHostPort`): `host:port`,
 * `[v6]:port`, `[v4]:port` (what `[$(IP)]:9100` becomes after Kubernetes expands `$(IP)`),
 * `:port` or `[]:port` (all interfaces), `[fe80::1%eth0]:port`; ports in decimal (leading zeros
 * allowed) or Go's built-in names (`https`). Coded error naming `flag` otherwise — including an
 * unexpanded `$(VAR)`.
 */
export function parseListenAddress(address: string, flag = '--secure-listen-address'): ListenAddress {
  const bad = (why: string): never => invalid(`${flag} must be host:port (${why}), got ${JSON.stringify(address)}`);
  if (address.includes('$(')) bad('it contains an unexpanded $(VAR): is the env variable defined in the container?');
  let host: string;
  let portText: string;
  try {
    ({ host, port: portText } = splitHostPort(address));
  } catch (e) {
    return bad((e as Error).message.replace(/^address "[^"]*": /, ''));
  }
  let port: number;
  if (/^\d+$/.test(portText)) port = Number(portText);
  else if (portText in NAMED_PORTS) port = NAMED_PORTS[portText] as number;
  else return bad(`port ${JSON.stringify(portText)} is neither a number nor a known service name`);
  if (port > 65535) bad('port out of range');
  const zoneFree = host.replace(/%.*$/, '');
  if (host !== '' && isIP(zoneFree) === 0 && !/^[A-Za-z0-9.-]+$/.test(host)) bad('not an IP address or host name');
  return { host: host === '' ? undefined : host, port };
}

/**
 * A duration flag in milliseconds, parsed by process-kit's Go `time.ParseDuration` grammar
 * (`0`, `250ms`, `30s`, `2m`, `1h30m`, `1.5h`); a bare whole number is seconds (`30` = 30 s), the
 * contract this flag had before, kept explicitly with `bareSeconds`. Negative -> coded error.
 */
export function parseDurationMs(text: string, flag = 'duration'): number {
  const ms = durationMs(text.trim(), flag, true);
  if (ms === undefined) invalid(`${flag} must be a duration like 0, 30s, 2m: ${JSON.stringify(text)}`);
  return ms;
}

function durationMs(text: string, flag: string, bareSeconds: boolean): number | undefined {
  try {
    return parseDurationFlag(text, { flag, bareSeconds });
  } catch (e) {
    if (isProcessKitError(e)) return undefined;
    throw e;
  }
}

function isDefault(flag: SidecarFlag, v: FlagValue): boolean {
  if (Array.isArray(v)) return `[${(v as string[]).join(',')}]` === flag.defaultText || (v.length === 0 && flag.defaultText === '[]');
  return String(v) === flag.defaultText;
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '0:0:0:0:0:0:0:1';
}

function isHeaderName(name: string): boolean {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name);
}

function invalid(message: string): never {
  throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', message);
}

function helpText(): string {
  const rows = SIDECAR_FLAGS.map((f) => {
    const name = `${f.shorthand !== undefined ? `-${f.shorthand}, ` : '    '}--${f.name}${f.kind === 'bool' ? '' : ` ${f.kind}`}`;
    const def = f.defaultText !== '' && f.defaultText !== 'false' && f.defaultText !== '[]' && f.defaultText !== '0' ? ` (default ${f.defaultText})` : '';
    return `  ${name.padEnd(48)} ${f.help}${def}`;
  });
  return [
    'Usage: certscrape-target-auth [flags]',
    '',
    'A kube-rbac-proxy drop-in in front of an HTTP(S) metrics endpoint: authenticates clients by certificate',
    '(or, with --kubeconfig / in-cluster config, by bearer token via TokenReview), authorizes with',
    'kube-rbac-proxy static rules (or SubjectAccessReview for token users), and proxies allowed requests',
    'to --upstream. Serves HTTP/2 and HTTP/1.1.',
    '',
    'Flags:',
    ...rows,
    '',
  ].join('\n');
}
