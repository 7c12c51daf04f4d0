import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseListenAddress, parseSidecarFlags } from './config.js';
import { isTargetAuthError, type TargetAuthErrorCode } from './errors.js';

const BASE = ['--secure-listen-address=0.0.0.0:8443', '--upstream=http://127.0.0.1:9100/', '--client-ca-file=/ca.crt', '--tls-cert-file=/tls.crt', '--tls-private-key-file=/tls.key'];

function code(args: string[]): TargetAuthErrorCode | undefined {
  try {
    parseSidecarFlags(args);
  } catch (e) {
    if (isTargetAuthError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('parseSidecarFlags (kube-rbac-proxy flags)', () => {
  it('parses the kube-rbac-proxy flag set', () => {
    const r = parseSidecarFlags([...BASE, '--config-file', '/config.yaml', '--allow-paths=/metrics,/metrics/*', '--kubeconfig=/kc', '--auth-token-audiences=a,b']);
    expect(r).toEqual({
      kind: 'run',
      config: {
        listenHost: '0.0.0.0',
        listenPort: 8443,
        upstream: new URL('http://127.0.0.1:9100/'),
        clientCaFile: '/ca.crt',
        configFile: '/config.yaml',
        tlsCertFile: '/tls.crt',
        tlsKeyFile: '/tls.key',
        allowPaths: ['/metrics', '/metrics/*'],
        kubeconfig: '/kc',
        tokenAudiences: ['a', 'b'],
        delegatedCacheTtlMs: undefined,
        pollIntervalMs: 500,
        decisionLog: false,
      },
    });
  });

  it('without --tls-cert-file and --tls-private-key-file, asks for a generated pair', () => {
    const r = parseSidecarFlags(BASE.filter((a) => !a.startsWith('--tls-')));
    expect(r).toMatchObject({ kind: 'run', config: { tlsCertFile: undefined, tlsKeyFile: undefined } });
  });

  it('prints help for --help', () => {
    const r = parseSidecarFlags(['--help']);
    expect(r.kind).toBe('help');
    if (r.kind === 'help') for (const f of ['--secure-listen-address', '--upstream', '--client-ca-file', '--config-file', '--tls-cert-file', '--tls-private-key-file', '--allow-paths', '--kubeconfig']) expect(r.text).toContain(f);
  });

  it('accepts (and ignores) common kube-rbac-proxy logging flags', () => {
    expect(parseSidecarFlags([...BASE, '--logtostderr=true', '--v=10']).kind).toBe('run');
  });

  it.each([
    ['a missing --upstream', BASE.filter((a) => !a.startsWith('--upstream'))],
    ['an https upstream', [...BASE.filter((a) => !a.startsWith('--upstream')), '--upstream=https://x:1/']],
    ['an upstream that is not a URL', [...BASE.filter((a) => !a.startsWith('--upstream')), '--upstream=nope']],
    ['neither a client CA nor a kubeconfig', BASE.filter((a) => !a.startsWith('--client-ca-file'))],
    ['a bad listen address', [...BASE.filter((a) => !a.startsWith('--secure')), '--secure-listen-address=8443']],
    ['an unknown flag', [...BASE, '--frobnicate']],
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
  ])('%s -> %i ms', (t, ms) => {
    expect(parseDurationMs(t)).toBe(ms);
  });

  it('is passed through by --delegated-cache-ttl', () => {
    expect(parseSidecarFlags([...BASE, '--delegated-cache-ttl=0'])).toMatchObject({ config: { delegatedCacheTtlMs: 0 } });
  });
});

describe('parseListenAddress', () => {
  it.each([
    ['0.0.0.0:8443', '0.0.0.0', 8443],
    ['127.0.0.1:0', '127.0.0.1', 0],
    [':9443', '0.0.0.0', 9443],
    ['[::1]:8443', '::1', 8443],
    ['localhost:1', 'localhost', 1],
  ])('%s', (a, host, port) => {
    expect(parseListenAddress(a)).toEqual({ host, port });
  });

  it.each(['8443', 'a:b', '1.2.3.4:70000', '::1:80'])('refuses %s', (a) => {
    expect(() => parseListenAddress(a)).toThrow();
  });
});
