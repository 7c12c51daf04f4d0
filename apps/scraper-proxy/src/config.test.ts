import { describe, expect, it } from 'vitest';
import { parseArgs, parseTargetsConfig } from './config.js';
import { isProxyError } from './errors.js';

const required = ['--cert-file', '/certs/tls.crt', '--key-file', '/certs/tls.key', '--upstream-ca-file', '/ca/service-ca.crt'];

function run(args: string[], files: Record<string, string> = {}) {
  return parseArgs(args, (p) => {
    const content = files[p];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return content;
  });
}

describe('parseArgs', () => {
  it('applies the documented defaults', () => {
    const r = run(required);
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(r.config).toMatchObject({
      listen: { authority: '127.0.0.1:9092' },
      metricsListen: { authority: '127.0.0.1:9098' },
      certFile: '/certs/tls.crt',
      keyFile: '/certs/tls.key',
      upstreamCaFile: '/ca/service-ca.crt',
      insecureSkipUpstreamVerify: false,
      exitOnChange: false,
      tokenFile: undefined,
      tokenTargets: [],
      targets: {},
      pollIntervalMs: 500,
      upstreamTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      maxConnectionsPerTarget: 4,
      logLevel: 'info',
    });
  });

  it('reads every flag of the issue', () => {
    const r = run([
      ...required,
      '--listen-address', '[::1]:8080',
      '--metrics-bind-address', '0.0.0.0:9000',
      '--exit-on-change',
      '--token-file', '/var/run/secrets/token',
      '--token-targets', 'legacy.example:8443, 10.0.0.1:9100',
      '--token-targets', 'third.example:1',
      '--poll-interval', '100ms',
    ]);
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(r.config.listen.authority).toBe('[::1]:8080');
    expect(r.config.metricsListen.authority).toBe('0.0.0.0:9000');
    expect(r.config.exitOnChange).toBe(true);
    expect(r.config.tokenFile).toBe('/var/run/secrets/token');
    expect(r.config.tokenTargets.map((t) => t.authority)).toEqual(['legacy.example:8443', '10.0.0.1:9100', 'third.example:1']);
    expect(r.config.pollIntervalMs).toBe(100);
  });

  it('--help prints every flag (runMain: exit 0)', () => {
    const r = run(['--help']);
    expect(r.kind).toBe('print');
    if (r.kind !== 'print') return;
    for (const flag of ['--listen-address', '--cert-file', '--key-file', '--upstream-ca-file', '--exit-on-change', '--token-file', '--token-targets', '--insecure-skip-upstream-verify', '--metrics-bind-address', '--targets-config', '--log-level', '--version', '--help']) {
      expect(r.text).toContain(flag);
    }
  });

  it('reads durations as Go does, and a bare whole number as seconds (as before)', () => {
    const ms = (v: string) => {
      const r = run([...required, '--poll-interval', v]);
      return r.kind === 'run' ? r.config.pollIntervalMs : undefined;
    };
    expect(ms('1m30s')).toBe(90_000);
    expect(ms('1.5s')).toBe(1_500);
    expect(ms('250000us')).toBe(250);
    expect(ms('3')).toBe(3_000);
  });

  it('takes the log level from --log-level, else -v, else LOG_LEVEL', () => {
    const level = (args: string[], env: Record<string, string> = {}) => {
      const r = parseArgs([...required, ...args], () => '', env);
      return r.kind === 'run' ? r.config.logLevel : undefined;
    };
    expect(level(['--log-level', 'debug'])).toBe('debug');
    expect(level(['-v', '5'])).toBe('trace');
    expect(level([], { LOG_LEVEL: 'warn' })).toBe('warn');
    expect(level([])).toBe('info');
  });

  it.each([
    ['missing --cert-file', ['--key-file', 'k', '--upstream-ca-file', 'c']],
    ['missing --key-file', ['--cert-file', 'c', '--upstream-ca-file', 'c']],
    ['no --upstream-ca-file and no insecure flag', ['--cert-file', 'c', '--key-file', 'k']],
    ['both --upstream-ca-file and --insecure-skip-upstream-verify', [...required, '--insecure-skip-upstream-verify']],
    ['a token target without a port', [...required, '--token-targets', 'legacy.example']],
    ['a bad listen address', [...required, '--listen-address', 'localhost']],
    ['a bad duration', [...required, '--poll-interval', 'soon']],
    ['a fractional bare number (Go needs a unit)', [...required, '--poll-interval', '1.5']],
    ['a bad log level', [...required, '--log-level', 'loud']],
    ['an unknown flag', [...required, '--bearer-token', 'x']],
    ['a missing targets config file', [...required, '--targets-config', '/nope.yaml']],
  ])('refuses %s with a coded error (runMain: exit 2)', (_name, args) => {
    let error: unknown;
    try {
      run(args);
    } catch (e) {
      error = e;
    }
    expect(isProxyError(error, 'PROXY_ERR_CONFIG') || (error as { code?: string })?.code === 'PROCESS_KIT_ERR_FLAGS').toBe(true);
  });

  it('allows --insecure-skip-upstream-verify without a CA file', () => {
    const r = run(['--cert-file', 'c', '--key-file', 'k', '--insecure-skip-upstream-verify']);
    expect(r.kind === 'run' && r.config.insecureSkipUpstreamVerify).toBe(true);
  });

  it('reads per-target settings from --targets-config', () => {
    const r = run([...required, '--targets-config', '/t.yaml'], { '/t.yaml': 'targets:\n  "Node.Example:10250":\n    serverName: node-1\n    clientCertificate: false\n' });
    expect(r.kind === 'run' && r.config.targets).toEqual({ 'node.example:10250': { serverName: 'node-1', clientCertificate: false } });
  });
});

describe('parseTargetsConfig', () => {
  it('accepts an empty document and an empty target entry', () => {
    expect(parseTargetsConfig('')).toEqual({});
    expect(parseTargetsConfig('targets:\n  "a.example:1":\n')).toEqual({ 'a.example:1': {} });
  });

  it.each([
    ['an unknown top-level key', 'target: {}'],
    ['an unknown field', 'targets:\n  "a.example:1": {tls: true}'],
    ['a target without a port', 'targets:\n  "a.example": {}'],
    ['a non-boolean clientCertificate', 'targets:\n  "a.example:1": {clientCertificate: "no"}'],
    ['an empty serverName', 'targets:\n  "a.example:1": {serverName: ""}'],
    ['the same target twice after canonicalisation', 'targets:\n  "A.example:1": {}\n  "a.example:1": {}'],
    ['a list instead of a mapping', 'targets: [a]'],
    ['invalid YAML', 'targets: {'],
  ])('refuses %s with PROXY_ERR_CONFIG', (_name, text) => {
    let error: unknown;
    try {
      parseTargetsConfig(text);
    } catch (e) {
      error = e;
    }
    expect(isProxyError(error, 'PROXY_ERR_CONFIG')).toBe(true);
  });
});
