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

  it('--help exits 0 and lists every flag', () => {
    const r = run(['--help']);
    expect(r).toMatchObject({ kind: 'exit', exitCode: 0 });
    if (r.kind !== 'exit') return;
    for (const flag of ['--listen-address', '--cert-file', '--key-file', '--upstream-ca-file', '--exit-on-change', '--token-file', '--token-targets', '--insecure-skip-upstream-verify', '--metrics-bind-address', '--targets-config', '--help']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it.each([
    ['missing --cert-file', ['--key-file', 'k', '--upstream-ca-file', 'c']],
    ['missing --key-file', ['--cert-file', 'c', '--upstream-ca-file', 'c']],
    ['no --upstream-ca-file and no insecure flag', ['--cert-file', 'c', '--key-file', 'k']],
    ['both --upstream-ca-file and --insecure-skip-upstream-verify', [...required, '--insecure-skip-upstream-verify']],
    ['a token target without a port', [...required, '--token-targets', 'legacy.example']],
    ['a bad listen address', [...required, '--listen-address', 'localhost']],
    ['a bad duration', [...required, '--poll-interval', 'soon']],
    ['an unknown flag', [...required, '--bearer-token', 'x']],
    ['a missing targets config file', [...required, '--targets-config', '/nope.yaml']],
  ])('exits 2 on %s', (_name, args) => {
    const r = run(args);
    expect(r).toMatchObject({ kind: 'exit', exitCode: 2 });
    if (r.kind === 'exit') expect(r.stderr).not.toBe('');
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
