import type { FlagSpec } from './pflag.js';

/**
 * What the sidecar does with a flag:
 * - `same`: implemented with kube-rbac-proxy's meaning;
 * - `refused`: start-up fails with one line naming the flag and `why` (only when it is given a
 *   value other than its default, so a manifest that spells out a default still starts);
 * - `logging`: a klog output flag, accepted with one warning (logs are pino JSON on stdout);
 * - `certscrape`: certscrape's own flag (not in kube-rbac-proxy).
 */
export type FlagDisposition = { readonly kind: 'same'; readonly note?: string } | { readonly kind: 'refused'; readonly why: string } | { readonly kind: 'logging' } | { readonly kind: 'certscrape' };

/** One sidecar flag: pflag spec, kube-rbac-proxy's default, disposition and help. */
export interface SidecarFlag extends FlagSpec {
  /** kube-rbac-proxy's default as pflag prints it (`''` for none). */
  readonly defaultText: string;
  readonly disposition: FlagDisposition;
  readonly help: string;
}

const OIDC = 'OIDC authentication is not supported (certscrape authenticates by client certificate, or by token through TokenReview)';
const same = (note?: string): FlagDisposition => ({ kind: 'same', ...(note !== undefined ? { note } : {}) });
const refused = (why: string): FlagDisposition => ({ kind: 'refused', why });
const logging: FlagDisposition = { kind: 'logging' };
const own: FlagDisposition = { kind: 'certscrape' };

/**
 * Every flag of kube-rbac-proxy v0.22 (`cmd/kube-rbac-proxy/app/options`: the main set, the
 * proxy options, the legacy set, the deprecated/disabled klog flags, klog's `-v`/`--vmodule`,
 * `--version`) and certscrape's own flags. The README's flag table is generated from the same
 * facts; `kube-rbac-proxy-flags.test.ts` holds one case per flag.
 */
export const SIDECAR_FLAGS: readonly SidecarFlag[] = [
  // kube-rbac-proxy: listeners and upstream
  { name: 'secure-listen-address', kind: 'string', defaultText: '', disposition: same('Go forms: host:port, [v6]:port, [v4]:port, :port, named ports'), help: 'address to serve HTTPS on, e.g. [$(IP)]:9100 or :8443 (required)' },
  { name: 'insecure-listen-address', kind: 'string', defaultText: '', disposition: refused('plain HTTP cannot carry a client certificate; serve with --secure-listen-address'), help: '[refused] plain-HTTP listener' },
  { name: 'proxy-endpoints-port', kind: 'int', defaultText: '0', disposition: same('also serves /readyz and, authenticated and authorized like the proxy, /metrics'), help: 'port (on the --secure-listen-address host) to serve /healthz, /readyz over TLS' },
  { name: 'upstream', kind: 'string', defaultText: '', disposition: same(), help: 'http:// or https:// URL to proxy authorized requests to (required)' },
  { name: 'upstream-force-h2c', kind: 'bool', defaultText: 'false', disposition: same('requires a loopback upstream, as kube-rbac-proxy'), help: 'speak HTTP/2 cleartext (prior knowledge) to an http:// upstream' },
  { name: 'upstream-ca-file', kind: 'string', defaultText: '', disposition: same('reloaded'), help: 'PEM CA bundle the https:// upstream serving certificate is verified against (default: system roots)' },
  { name: 'upstream-client-cert-file', kind: 'string', defaultText: '', disposition: same('reloaded with the key'), help: 'client certificate presented to the https:// upstream (needs --upstream-client-key-file)' },
  { name: 'upstream-client-key-file', kind: 'string', defaultText: '', disposition: same('reloaded with the certificate'), help: 'key of --upstream-client-cert-file' },
  { name: 'config-file', kind: 'string', defaultText: '', disposition: same('authorization.static only; rewrites/resourceAttributes refused; default from $CERTSCRAPE_CONFIG_FILE'), help: 'kube-rbac-proxy config file (YAML 1.1) with authorization.static rules' },
  { name: 'allow-paths', kind: 'stringSlice', defaultText: '[]', disposition: same(), help: 'path patterns (Go path.Match) to serve; others get 404. Not with --ignore-paths' },
  { name: 'ignore-paths', kind: 'stringSlice', defaultText: '[]', disposition: same(), help: 'path patterns proxied without authentication or authorization. Not with --allow-paths' },
  // TLS
  { name: 'tls-cert-file', kind: 'string', defaultText: '', disposition: same('hot-reloaded with the key'), help: 'serving certificate (PEM; chain after the leaf); without it a self-signed one is generated' },
  { name: 'tls-private-key-file', kind: 'string', defaultText: '', disposition: same(), help: 'serving private key (PEM)' },
  { name: 'tls-min-version', kind: 'string', defaultText: 'VersionTLS12', disposition: same(), help: 'VersionTLS10, VersionTLS11, VersionTLS12 or VersionTLS13' },
  { name: 'tls-cipher-suites', kind: 'stringSlice', defaultText: '[]', disposition: same('Go names mapped to OpenSSL names; TLS 1.3 suites stay enabled, as in Go'), help: 'Go cipher suite names for TLS <= 1.2 (default: Node/OpenSSL defaults)' },
  { name: 'tls-reload-interval', kind: 'duration', defaultText: '1m0s', disposition: same('default: every --file-poll-interval'), help: 'how often the serving certificate files are re-read' },
  // authentication
  { name: 'client-ca-file', kind: 'string', defaultText: '', disposition: same('hot-reloaded; default from $CERTSCRAPE_CLIENT_CA_FILE'), help: 'PEM client CA bundle; enables client-certificate authentication' },
  { name: 'auth-header-fields-enabled', kind: 'bool', defaultText: 'false', disposition: same('needs a loopback upstream or https:// with a client certificate, as kube-rbac-proxy'), help: "pass the user's name and groups to the upstream in headers" },
  { name: 'auth-header-user-field-name', kind: 'string', defaultText: 'x-remote-user', disposition: same(), help: 'header carrying the user name' },
  { name: 'auth-header-groups-field-name', kind: 'string', defaultText: 'x-remote-groups', disposition: same(), help: 'header carrying the groups' },
  { name: 'auth-header-groups-field-separator', kind: 'string', defaultText: '|', disposition: same(), help: 'separator between groups in the groups header' },
  { name: 'auth-token-audiences', kind: 'stringSlice', defaultText: '[]', disposition: same(), help: 'audiences a token must have (TokenReview)' },
  { name: 'oidc-issuer', kind: 'string', defaultText: '', disposition: refused(OIDC), help: '[refused]' },
  { name: 'oidc-clientID', kind: 'string', defaultText: '', disposition: refused(OIDC), help: '[refused]' },
  { name: 'oidc-groups-claim', kind: 'string', defaultText: 'groups', disposition: refused(OIDC), help: '[refused]' },
  { name: 'oidc-username-claim', kind: 'string', defaultText: 'email', disposition: refused(OIDC), help: '[refused]' },
  { name: 'oidc-username-prefix', kind: 'string', defaultText: '', disposition: refused(OIDC), help: '[refused]' },
  { name: 'oidc-groups-prefix', kind: 'string', defaultText: '', disposition: refused(OIDC), help: '[refused]' },
  { name: 'oidc-sign-alg', kind: 'stringArray', defaultText: '[RS256]', disposition: refused(OIDC), help: '[refused]' },
  { name: 'oidc-ca-file', kind: 'string', defaultText: '', disposition: refused(OIDC), help: '[refused]' },
  // kube-apiserver client
  { name: 'kubeconfig', kind: 'string', defaultText: '', disposition: same('unset: in-cluster config when $KUBERNETES_SERVICE_HOST is set and there is no client CA, else no token fallback'), help: 'kubeconfig for the TokenReview/SubjectAccessReview fallback' },
  { name: 'kube-api-qps', kind: 'float32', defaultText: '0', disposition: same('0: client-go default 5; negative: unlimited'), help: 'client-side rate limit of TokenReview/SubjectAccessReview calls' },
  { name: 'kube-api-burst', kind: 'int', defaultText: '0', disposition: same('0: client-go default 10'), help: 'burst of that rate limit' },
  // HTTP/2
  { name: 'http2-disable', kind: 'bool', defaultText: 'false', disposition: same(), help: 'serve HTTP/1.1 only (no h2 in ALPN)' },
  { name: 'disable-http2-serving', kind: 'bool', defaultText: 'false', disposition: same('the proxy-options spelling of --http2-disable'), help: 'same as --http2-disable' },
  { name: 'http2-max-concurrent-streams', kind: 'uint32', defaultText: '100', disposition: same(), help: 'concurrent streams per HTTP/2 connection' },
  { name: 'http2-max-size', kind: 'uint32', defaultText: '262144', disposition: same('frame size capped at 16 MiB - 1, the HTTP/2 maximum'), help: 'max frame size and per-stream receive window in bytes' },
  // klog (deprecated.go's disabled flags, and klog's own)
  ...(['logtostderr', 'add-dir-header', 'alsologtostderr', 'one-output', 'skip-headers', 'skip-log-headers'] as const).map((name): SidecarFlag => ({ name, kind: 'bool', defaultText: 'false', disposition: logging, help: '[logging, ignored]' })),
  ...(['log-backtrace-at', 'log-dir', 'log-file', 'stderrthreshold', 'vmodule'] as const).map((name): SidecarFlag => ({ name, kind: 'string', defaultText: '', disposition: logging, help: '[logging, ignored]' })),
  { name: 'log-file-max-size', kind: 'uint64', defaultText: '0', disposition: logging, help: '[logging, ignored]' },
  { name: 'log-flush-frequency', kind: 'duration', defaultText: '5s', disposition: logging, help: '[logging, ignored]' },
  { name: 'v', shorthand: 'v', kind: 'string', defaultText: '0', disposition: same('klog verbosity -> log level: 0-1 info, 2-4 debug, 5+ trace'), help: 'log verbosity (klog style)' },
  // global
  { name: 'version', kind: 'string', noOptDefault: 'true', defaultText: 'false', disposition: same('prints the certscrape version'), help: 'print the version and exit' },
  { name: 'help', shorthand: 'h', kind: 'bool', defaultText: 'false', disposition: same(), help: 'show this help' },
  // certscrape
  { name: 'log-level', kind: 'string', defaultText: '', disposition: own, help: 'fatal, error, warn, info, debug, trace, silent (default: from -v, else $LOG_LEVEL, else info)' },
  { name: 'metrics-bind-address', kind: 'string', defaultText: '', disposition: own, help: "host:port serving the sidecar's own /metrics, /healthz, /readyz over plain HTTP (default: off)" },
  { name: 'delegated-cache-ttl', kind: 'string', defaultText: '', disposition: own, help: 'cache TTL of TokenReview/SubjectAccessReview answers, a Go duration or seconds (0 disables; default 2m tokens, 5m allows)' },
  { name: 'file-poll-interval', kind: 'string', defaultText: '500', disposition: own, help: 'how often watched files are re-read, in ms (or a Go duration)' },
  { name: 'decision-log', kind: 'bool', defaultText: 'false', disposition: own, help: 'log every authentication/authorization decision' },
];
