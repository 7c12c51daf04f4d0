// One case per kube-rbac-proxy v0.22 flag (and certscrape's own): "same" flags change the config
// as kube-rbac-proxy's do, "refused" flags stop start-up with one line naming the flag and why,
// "logging" flags are accepted with one warning. The table must cover SIDECAR_FLAGS exactly, and
// the README's flag table must list every flag with its disposition.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSidecarFlags, type SidecarConfig } from '../config.js';
import { isTargetAuthError } from '../errors.js';
import { SIDECAR_FLAGS } from './kube-rbac-proxy-flags.js';

const BASE = ['--secure-listen-address=127.0.0.1:8443', '--upstream=http://127.0.0.1:9100/', '--client-ca-file=/ca.crt'];
const HTTPS = ['--secure-listen-address=127.0.0.1:8443', '--upstream=https://10.0.0.5:10257/', '--client-ca-file=/ca.crt'];

type Case =
  | { readonly args: readonly string[]; readonly base?: readonly string[]; readonly then: (c: SidecarConfig) => void }
  | { readonly refused: readonly string[]; readonly because: RegExp }
  | { readonly logging: readonly string[] }
  | { readonly exits: readonly string[]; readonly kind: 'help' | 'version' };

const CASES: Record<string, Case> = {
  'secure-listen-address': { args: [], base: ['--secure-listen-address=[10.0.0.1]:9100', '--upstream=http://127.0.0.1:9100/', '--client-ca-file=/ca.crt'], then: (c) => expect([c.listenHost, c.listenPort]).toEqual(['10.0.0.1', 9100]) },
  'insecure-listen-address': { refused: ['--insecure-listen-address=0.0.0.0:8080'], because: /--insecure-listen-address is not supported: plain HTTP/ },
  'proxy-endpoints-port': { args: ['--proxy-endpoints-port=8444'], then: (c) => expect(c.proxyEndpointsPort).toBe(8444) },
  upstream: { args: [], base: HTTPS, then: (c) => expect(c.upstream.href).toBe('https://10.0.0.5:10257/') },
  'upstream-force-h2c': { args: ['--upstream-force-h2c'], then: (c) => expect(c.upstreamForceH2c).toBe(true) },
  'upstream-ca-file': { args: ['--upstream-ca-file=/kcm-ca.crt'], base: HTTPS, then: (c) => expect(c.upstreamCaFile).toBe('/kcm-ca.crt') },
  'upstream-client-cert-file': { args: ['--upstream-client-cert-file=/c.crt', '--upstream-client-key-file=/c.key'], base: HTTPS, then: (c) => expect(c.upstreamClientCertFile).toBe('/c.crt') },
  'upstream-client-key-file': { args: ['--upstream-client-cert-file=/c.crt', '--upstream-client-key-file=/c.key'], base: HTTPS, then: (c) => expect(c.upstreamClientKeyFile).toBe('/c.key') },
  'config-file': { args: ['--config-file=/etc/krp/config.yaml'], then: (c) => expect(c.configFile).toBe('/etc/krp/config.yaml') },
  'allow-paths': { args: ['--allow-paths=/metrics,/debug/*', '--allow-paths', '/healthz'], then: (c) => expect(c.allowPaths).toEqual(['/metrics', '/debug/*', '/healthz']) },
  'ignore-paths': { args: ['--ignore-paths=/healthz', '--ignore-paths=/readyz,/livez'], then: (c) => expect(c.ignorePaths).toEqual(['/healthz', '/readyz', '/livez']) },
  'tls-cert-file': { args: ['--tls-cert-file=/t.crt', '--tls-private-key-file=/t.key'], then: (c) => expect(c.tlsCertFile).toBe('/t.crt') },
  'tls-private-key-file': { args: ['--tls-cert-file=/t.crt', '--tls-private-key-file=/t.key'], then: (c) => expect(c.tlsKeyFile).toBe('/t.key') },
  'tls-min-version': { args: ['--tls-min-version=VersionTLS13'], then: (c) => expect(c.tlsMinVersion).toBe('TLSv1.3') },
  'tls-cipher-suites': {
    args: ['--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', '--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
    then: (c) => expect(c.tlsCiphers).toBe('TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384'),
  },
  'tls-reload-interval': { args: ['--tls-reload-interval=1m30s'], then: (c) => expect([c.tlsReloadIntervalMs, c.pollIntervalMs, c.warnings.some((w) => w.includes('--tls-reload-interval'))]).toEqual([90_000, 500, true]) },
  'client-ca-file': { args: [], then: (c) => expect(c.clientCaFile).toBe('/ca.crt') },
  'auth-header-fields-enabled': { args: ['--auth-header-fields-enabled'], then: (c) => expect(c.authHeaders).toEqual({ userField: 'x-remote-user', groupsField: 'x-remote-groups', separator: '|' }) },
  'auth-header-user-field-name': { args: ['--auth-header-fields-enabled', '--auth-header-user-field-name=X-User'], then: (c) => expect(c.authHeaders?.userField).toBe('x-user') },
  'auth-header-groups-field-name': { args: ['--auth-header-fields-enabled', '--auth-header-groups-field-name=X-Groups'], then: (c) => expect(c.authHeaders?.groupsField).toBe('x-groups') },
  'auth-header-groups-field-separator': { args: ['--auth-header-fields-enabled', '--auth-header-groups-field-separator=,'], then: (c) => expect(c.authHeaders?.separator).toBe(',') },
  'auth-token-audiences': { args: ['--auth-token-audiences=a,b', '--auth-token-audiences=c'], then: (c) => expect(c.tokenAudiences).toEqual(['a', 'b', 'c']) },
  'oidc-issuer': { refused: ['--oidc-issuer=https://issuer'], because: /--oidc-issuer is not supported: OIDC/ },
  'oidc-clientID': { refused: ['--oidc-clientID=x'], because: /--oidc-clientID is not supported: OIDC/ },
  'oidc-groups-claim': { refused: ['--oidc-groups-claim=roles'], because: /--oidc-groups-claim is not supported: OIDC/ },
  'oidc-username-claim': { refused: ['--oidc-username-claim=sub'], because: /--oidc-username-claim is not supported: OIDC/ },
  'oidc-username-prefix': { refused: ['--oidc-username-prefix=oidc:'], because: /--oidc-username-prefix is not supported: OIDC/ },
  'oidc-groups-prefix': { refused: ['--oidc-groups-prefix=oidc:'], because: /--oidc-groups-prefix is not supported: OIDC/ },
  'oidc-sign-alg': { refused: ['--oidc-sign-alg=RS256', '--oidc-sign-alg=ES256'], because: /--oidc-sign-alg is not supported: OIDC/ },
  'oidc-ca-file': { refused: ['--oidc-ca-file=/oidc.crt'], because: /--oidc-ca-file is not supported: OIDC/ },
  kubeconfig: { args: ['--kubeconfig=/kc'], then: (c) => expect([c.kubeconfig, c.inCluster]).toEqual(['/kc', false]) },
  'kube-api-qps': { args: ['--kube-api-qps=50'], then: (c) => expect([c.kubeApiQps, c.kubeApiBurst]).toEqual([50, 10]) },
  'kube-api-burst': { args: ['--kube-api-qps=50', '--kube-api-burst=100'], then: (c) => expect([c.kubeApiQps, c.kubeApiBurst]).toEqual([50, 100]) },
  'http2-disable': { args: ['--http2-disable'], then: (c) => expect(c.http2.enabled).toBe(false) },
  'disable-http2-serving': { args: ['--disable-http2-serving=true'], then: (c) => expect(c.http2.enabled).toBe(false) },
  'http2-max-concurrent-streams': { args: ['--http2-max-concurrent-streams=250'], then: (c) => expect(c.http2.maxConcurrentStreams).toBe(250) },
  'http2-max-size': { args: ['--http2-max-size=0x100000'], then: (c) => expect(c.http2.maxSize).toBe(1_048_576) },
  logtostderr: { logging: ['--logtostderr=true'] },
  'add-dir-header': { logging: ['--add-dir-header'] },
  alsologtostderr: { logging: ['--alsologtostderr'] },
  'one-output': { logging: ['--one-output=false'] },
  'skip-headers': { logging: ['--skip-headers'] },
  'skip-log-headers': { logging: ['--skip-log-headers'] },
  'log-backtrace-at': { logging: ['--log-backtrace-at=main.go:10'] },
  'log-dir': { logging: ['--log-dir=/tmp'] },
  'log-file': { logging: ['--log-file', '/tmp/krp.log'] },
  stderrthreshold: { logging: ['--stderrthreshold=ERROR'] },
  vmodule: { logging: ['--vmodule=proxy=4'] },
  'log-file-max-size': { logging: ['--log-file-max-size=1800'] },
  'log-flush-frequency': { logging: ['--log-flush-frequency=10s'] },
  v: { args: ['-v=4'], then: (c) => expect(c.logLevel).toBe('debug') },
  version: { exits: ['--version'], kind: 'version' },
  help: { exits: ['-h'], kind: 'help' },
  'log-level': { args: ['--log-level=warn', '--v=10'], then: (c) => expect(c.logLevel).toBe('warn') },
  'metrics-bind-address': { args: ['--metrics-bind-address=127.0.0.1:9091'], then: (c) => expect(c.metricsAddress).toEqual({ host: '127.0.0.1', port: 9091 }) },
  'delegated-cache-ttl': { args: ['--delegated-cache-ttl=30s'], then: (c) => expect(c.delegatedCacheTtlMs).toBe(30_000) },
  'file-poll-interval': { args: ['--file-poll-interval=2s'], then: (c) => expect([c.pollIntervalMs, c.tlsReloadIntervalMs]).toEqual([2000, 2000]) },
  'decision-log': { args: ['--decision-log'], then: (c) => expect(c.decisionLog).toBe(true) },
};

function refusal(args: readonly string[]): string {
  try {
    parseSidecarFlags(args, {});
  } catch (e) {
    if (isTargetAuthError(e, 'TARGET_AUTH_ERR_FLAGS_INVALID')) return e.message;
    throw e;
  }
  throw new Error(`expected ${args.join(' ')} to be refused`);
}

describe('the kube-rbac-proxy v0.22 flag table', () => {
  it('has exactly one case per sidecar flag', () => {
    expect(Object.keys(CASES).sort()).toEqual(SIDECAR_FLAGS.map((f) => f.name).sort());
  });

  it.each(SIDECAR_FLAGS.map((f) => [f.name, f.disposition.kind] as const))('--%s (%s)', (name, kind) => {
    const c = CASES[name] as Case;
    if ('refused' in c) {
      expect(kind).toBe('refused');
      const message = refusal([...BASE, ...c.refused]);
      expect(message).toMatch(c.because);
      expect(message).not.toContain('\n');
      // Spelling out kube-rbac-proxy's default is not a change of meaning, so it still starts.
      const flag = SIDECAR_FLAGS.find((f) => f.name === name);
      if (flag !== undefined && flag.defaultText !== '' && flag.kind !== 'stringArray') expect(parseSidecarFlags([...BASE, `--${name}=${flag.defaultText}`], {}).kind).toBe('run');
    } else if ('logging' in c) {
      expect(kind).toBe('logging');
      const r = parseSidecarFlags([...BASE, ...c.logging], {});
      if (r.kind !== 'run') throw new Error('expected run');
      expect(r.config.warnings).toEqual([`klog flags accepted and ignored (logs are JSON on stdout): --${name}`]);
    } else if ('exits' in c) {
      expect(parseSidecarFlags([...c.exits], {}).kind).toBe(c.kind);
    } else {
      expect(['same', 'certscrape']).toContain(kind);
      const r = parseSidecarFlags([...(c.base ?? BASE), ...c.args], {});
      if (r.kind !== 'run') throw new Error('expected run');
      c.then(r.config);
    }
  });

  it('gathers every logging flag into one warning', () => {
    const r = parseSidecarFlags([...BASE, '--logtostderr', '--log-dir=/x', '--alsologtostderr=false'], {});
    expect(r.kind === 'run' && r.config.warnings).toEqual(['klog flags accepted and ignored (logs are JSON on stdout): --logtostderr, --alsologtostderr, --log-dir']);
  });

  it.each([
    ['--allow-paths with --ignore-paths', ['--allow-paths=/metrics', '--ignore-paths=/healthz'], /cannot use --allow-paths and --ignore-paths together/],
    ['an unknown cipher suite', ['--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_FAKE_SUITE'], /--tls-cipher-suites: unknown cipher suite\(s\) TLS_FAKE_SUITE/],
    ['an unknown TLS version', ['--tls-min-version=TLS13'], /--tls-min-version: unknown TLS version "TLS13"/],
    ['h2c to a non-loopback upstream', ['--upstream=http://10.0.0.5:9100/', '--upstream-force-h2c'], /--upstream-force-h2c needs an http:\/\/ upstream on a loopback address/],
    ['identity headers to a remote plain upstream', ['--upstream=http://10.0.0.5:9100/', '--auth-header-fields-enabled'], /--auth-header-fields-enabled needs a loopback --upstream/],
    ['a groups separator without a groups field', ['--auth-header-fields-enabled', '--auth-header-groups-field-name='], /--auth-header-groups-field-name must be set along with --auth-header-groups-field-separator/],
    ['a client certificate without its key', ['--upstream=https://10.0.0.5:1/', '--upstream-client-cert-file=/c.crt'], /set both --upstream-client-cert-file and --upstream-client-key-file/],
    ['an upstream CA for a plain upstream', ['--upstream-ca-file=/ca.crt'], /need an https:\/\/ --upstream/],
    ['a bool flag given a non-bool', ['--http2-disable=yes'], /invalid argument "yes" for "--http2-disable" flag/],
    ['a malformed int', ['--proxy-endpoints-port=84x4'], /invalid argument "84x4" for "--proxy-endpoints-port" flag/],
    ['a Go duration without a unit', ['--tls-reload-interval=90'], /invalid argument "90" for "--tls-reload-interval" flag/],
    ['an unbalanced CSV quote', ['--allow-paths="/metrics'], /invalid argument/],
    ['a [] pattern', ['--allow-paths=/metrics[0-9]'], /--allow-paths: pattern "\/metrics\[0-9\]" uses \[\]/],
    ['a flag without its value', ['--upstream'], /flag needs an argument: --upstream/],
  ])('refuses %s with one line naming the flag', (_n, args, why) => {
    const message = refusal([...BASE, ...args]);
    expect(message).toMatch(why);
    expect(message).not.toContain('\n');
  });
});

describe('README flag table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  it.each(SIDECAR_FLAGS.map((f) => [f.name, f.disposition.kind] as const))('lists --%s as %s', (name, kind) => {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`--${name}\` `));
    expect(row, `README row for --${name}`).toBeDefined();
    const word = { same: '| same', refused: '| refused (', logging: '| accepted, ignored (logging)', certscrape: '| certscrape' }[kind];
    expect(row).toContain(word);
  });
});
