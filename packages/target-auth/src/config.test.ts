import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseListenAddress, parseSidecarFlags, type SidecarConfig } from './config.js';
import { isTargetAuthError, type TargetAuthErrorCode } from './errors.js';

const BASE = ['--secure-listen-address=0.0.0.0:8443', '--upstream=http://127.0.0.1:9100/', '--client-ca-file=/ca.crt', '--tls-cert-file=/tls.crt', '--tls-private-key-file=/tls.key'];

function code(args: string[], env = {}): TargetAuthErrorCode | string | undefined {
  try {
    parseSidecarFlags(args, env);
  } catch (e) {
    if (isTargetAuthError(e)) return e.code;
    return (e as { code?: string }).code ?? 'unexpected';
  }
  return undefined;
}

function run(args: string[], env = {}): SidecarConfig {
  const r = parseSidecarFlags(args, env);
  if (r.kind !== 'run') throw new Error(`expected run, got ${r.kind}`);
  return r.config;
}

describe('parseSidecarFlags (kube-rbac-proxy flags)', () => {
  it('parses the kube-rbac-proxy flag set into the config, with kube-rbac-proxy defaults', () => {
    const c = run([...BASE, '--config-file', '/config.yaml', '--allow-paths=/metrics,/metrics/*', '--kubeconfig=/kc', '--auth-token-audiences=a,b']);
    expect(c).toMatchObject({
      listenHost: '0.0.0.0',
      listenPort: 8443,
      upstream: new URL('http://127.0.0.1:9100/'),
      upstreamForceH2c: false,
      clientCaFile: '/ca.crt',
      configFile: '/config.yaml',
      tlsCertFile: '/tls.crt',
      tlsKeyFile: '/tls.key',
      tlsMinVersion: 'TLSv1.2',
      tlsCiphers: undefined,
      allowPaths: ['/metrics', '/metrics/*'],
      ignorePaths: [],
      kubeconfig: '/kc',
      inCluster: false,
      tokenAudiences: ['a', 'b'],
      kubeApiQps: 5,
      kubeApiBurst: 10,
      authHeaders: undefined,
      proxyEndpointsPort: undefined,
      metricsAddress: undefined,
      http2: { enabled: true, maxConcurrentStreams: 100, maxSize: 262144 },
      delegatedCacheTtlMs: undefined,
      pollIntervalMs: 500,
      tlsReloadIntervalMs: 500,
      decisionLog: false,
      logLevel: 'info',
      warnings: [],
    });
  });

  it('without --tls-cert-file and --tls-private-key-file, asks for a generated pair', () => {
    expect(run(BASE.filter((a) => !a.startsWith('--tls-')))).toMatchObject({ tlsCertFile: undefined, tlsKeyFile: undefined });
  });

  it('prints help for --help and -h, listing every flag', () => {
    for (const h of ['--help', '-h']) {
      const r = parseSidecarFlags([h], {});
      expect(r.kind).toBe('help');
      if (r.kind === 'help') for (const f of ['--secure-listen-address', '--upstream', '--client-ca-file', '--ignore-paths', '--http2-disable', '--metrics-bind-address']) expect(r.text).toContain(f);
    }
  });

  it('answers --version (and --version=raw) without needing other flags', () => {
    expect(parseSidecarFlags(['--version'], {}).kind).toBe('version');
    expect(parseSidecarFlags(['--version=raw'], {}).kind).toBe('version');
    expect(parseSidecarFlags([...BASE, '--version=false'], {}).kind).toBe('run');
  });

  it('takes the client CA from $CERTSCRAPE_CLIENT_CA_FILE when --client-ca-file is absent (verbatim kube-rbac-proxy args)', () => {
    const args = BASE.filter((a) => !a.startsWith('--client-ca-file'));
    expect(run(args, { CERTSCRAPE_CLIENT_CA_FILE: '/env-ca.crt' }).clientCaFile).toBe('/env-ca.crt');
    expect(run([...args, '--client-ca-file=/flag.crt'], { CERTSCRAPE_CLIENT_CA_FILE: '/env-ca.crt' }).clientCaFile).toBe('/flag.crt');
  });

  it('uses in-cluster config for the token fallback when there is neither --kubeconfig nor a client CA but $KUBERNETES_SERVICE_HOST is set (as kube-rbac-proxy)', () => {
    const args = BASE.filter((a) => !a.startsWith('--client-ca-file'));
    expect(run(args, { KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toMatchObject({ inCluster: true, clientCaFile: undefined });
    expect(run([...args, '--kubeconfig=/kc'], { KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toMatchObject({ inCluster: false, kubeconfig: '/kc' });
    // With a client CA, a pod's mounted token does not switch the token fallback on.
    expect(run(BASE, { KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toMatchObject({ inCluster: false, kubeconfig: undefined });
  });

  it.each([
    ['a missing --upstream', BASE.filter((a) => !a.startsWith('--upstream'))],
    ['a non-http(s) upstream', [...BASE.filter((a) => !a.startsWith('--upstream')), '--upstream=ftp://x:1/']],
    ['an upstream that is not a URL', [...BASE.filter((a) => !a.startsWith('--upstream')), '--upstream=nope']],
    ['neither a client CA nor a kubeconfig nor in-cluster config', BASE.filter((a) => !a.startsWith('--client-ca-file'))],
    ['a bad listen address', [...BASE.filter((a) => !a.startsWith('--secure')), '--secure-listen-address=8443']],
    ['an unexpanded $(IP)', [...BASE.filter((a) => !a.startsWith('--secure')), '--secure-listen-address=[$(IP)]:9100']],
    ['an unknown flag', [...BASE, '--frobnicate']],
    ['a positional argument', [...BASE, 'extra']],
    ['a tiny poll interval', [...BASE, '--file-poll-interval=1']],
    ['a bad cache TTL', [...BASE, '--delegated-cache-ttl=soon']],
    ['a serving certificate without its key', BASE.filter((a) => !a.startsWith('--tls-private-key-file'))],
  ])('refuses %s', (_n, args) => {
    expect(code(args)).toBe('TARGET_AUTH_ERR_FLAGS_INVALID');
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['0', 0],
    ['250ms', 250],
    ['30', 30_000],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
  ])('%s -> %i ms', (t, ms) => {
    expect(parseDurationMs(t)).toBe(ms);
  });

  it('is passed through by --delegated-cache-ttl (a bare number stays seconds, as before)', () => {
    expect(run([...BASE, '--delegated-cache-ttl=0']).delegatedCacheTtlMs).toBe(0);
    expect(run([...BASE, '--delegated-cache-ttl=30']).delegatedCacheTtlMs).toBe(30_000);
  });
});

describe('parseListenAddress (Go net.SplitHostPort forms)', () => {
  it.each([
    ['0.0.0.0:8443', '0.0.0.0', 8443],
    ['127.0.0.1:0', '127.0.0.1', 0],
    [':9443', undefined, 9443],
    ['[]:9443', undefined, 9443],
    ['[::1]:8443', '::1', 8443],
    ['[10.0.0.1]:9100', '10.0.0.1', 9100],
    ['[fe80::1%eth0]:9100', 'fe80::1%eth0', 9100],
    ['localhost:1', 'localhost', 1],
    ['127.0.0.1:08443', '127.0.0.1', 8443],
    [':https', undefined, 443],
  ])('%s', (a, host, port) => {
    expect(parseListenAddress(a)).toEqual({ host, port });
  });

  it.each(['8443', 'a:b', '1.2.3.4:70000', '::1:80', '[::1]8443', '[10.0.0.1]]:1', '[$(IP)]:9100', 'host:'])('refuses %s', (a) => {
    expect(() => parseListenAddress(a)).toThrow(/--secure-listen-address/);
  });
});
