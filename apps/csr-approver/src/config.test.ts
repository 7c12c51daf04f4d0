import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';

const run = (argv: string[], env: Record<string, string> = {}) => parseConfig(argv, env, 'host-1');
const runConfig = (argv: string[], env: Record<string, string> = {}) => {
  const r = run(argv, env);
  if (r.kind !== 'run') throw new Error('expected a config');
  return r.config;
};

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const { runtime, app } = runConfig([]);
    expect(app).toMatchObject({
      scraperIdentity: 'system:serviceaccount:monitoring:prometheus-k8s',
      operatorServiceAccount: { namespace: 'monitoring', name: 'monitoring-operator' },
      maxExpirationSeconds: 2_592_000,
      // /metrics: HTTPS, only the scraper identity's client certificate, CA from the mounted ConfigMap.
      metricsTls: { clientCaFile: '/etc/certscrape/metrics-client-ca/client-ca.crt', allowedUsers: ['system:serviceaccount:monitoring:prometheus-k8s'] },
    });
    expect(runConfig(['--metrics-secure=false', '--metrics-bind-address=127.0.0.1:0']).app.metricsTls).toBeUndefined();
    expect(() => runConfig(['--metrics-secure=false'])).toThrow(expect.objectContaining({ code: 'APPROVER_ERR_CONFIG' }));
    expect(runtime).toMatchObject({
      kubeconfig: undefined,
      metricsBindAddress: ':8443',
      healthProbeBindAddress: ':8081',
      logLevel: 'info',
      leaderElection: { leaderElect: true, resourceNamespace: 'monitoring', resourceName: 'certscrape-csr-approver', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    });
    expect(runtime.identity).toMatch(/^host-1_[0-9a-f-]{36}$/);
    expect(runConfig([], { POD_NAME: 'csr-approver-7d9f-abcde' }).runtime.identity).toMatch(/^csr-approver-7d9f-abcde_/);
    expect(app.policy.requester.username).toBe('system:serviceaccount:monitoring:monitoring-operator');
  });

  it('accepts every flag, including --leader-elect=false and the older --leader-election-namespace', () => {
    const { runtime, app } = runConfig(
      [
        '--kubeconfig=/tmp/kc',
        '--scraper-identity', 'system:serviceaccount:obs:prom',
        '--operator-service-account=obs/op',
        '--max-expiration-seconds=3600',
        '--leader-elect=false',
        '--leader-election-namespace=obs',
        '--metrics-bind-address=127.0.0.1:0',
        '--health-probe-bind-address=127.0.0.1:0',
        '--log-level=debug',
      ],
      { KUBECONFIG: '/x', SECRET: 'no' },
    );
    expect(runtime).toMatchObject({ kubeconfig: '/tmp/kc', logLevel: 'debug', leaderElection: { leaderElect: false, resourceNamespace: 'obs' } });
    expect(app).toMatchObject({ maxExpirationSeconds: 3600 });
    expect(app.policy).toMatchObject({ identity: { username: 'system:serviceaccount:obs:prom' }, requester: { username: 'system:serviceaccount:obs:op' }, expirationSeconds: { max: 3600 } });
    expect(runtime.env).not.toHaveProperty('SECRET');
  });

  it('reads the component-base leader-election flags as Go durations', () => {
    const { runtime } = runConfig(['--leader-elect', '--leader-elect-lease-duration=1m', '--leader-elect-renew-deadline=45s', '--leader-elect-retry-period=1.5s', '--leader-elect-resource-name=my-lease', '--leader-elect-resource-namespace=kube-system']);
    expect(runtime.leaderElection).toEqual({ leaderElect: true, leaseDurationMs: 60_000, renewDeadlineMs: 45_000, retryPeriodMs: 1_500, resourceName: 'my-lease', resourceNamespace: 'kube-system' });
  });

  it('takes the log level from --log-level, else -v, else LOG_LEVEL', () => {
    expect(runConfig(['-v', '4']).runtime.logLevel).toBe('debug');
    expect(runConfig(['--log-level=warn', '--v=6']).runtime.logLevel).toBe('warn');
    expect(runConfig([], { LOG_LEVEL: 'error' }).runtime.logLevel).toBe('error');
  });

  it('prints help for --help', () => {
    const r = run(['--help']);
    expect(r.kind).toBe('print');
    if (r.kind !== 'print') return;
    for (const flag of ['--kubeconfig', '--scraper-identity', '--identities-file', '--operator-service-account', '--max-expiration-seconds', '--leader-elect', '--leader-elect-lease-duration', '--leader-elect-resource-namespace', '--leader-election-namespace', '--metrics-bind-address', '--health-probe-bind-address', '--log-level', '--version', '--help']) {
      expect(r.text).toContain(flag);
    }
  });

  it.each([
    [['--leader-elect=maybe'], 'PROCESS_KIT_ERR_BOOLEAN'],
    [['--leader-elect=yes'], 'PROCESS_KIT_ERR_BOOLEAN'],
    [['--max-expiration-seconds=599'], 'PROCESS_KIT_ERR_FLAGS'],
    [['--max-expiration-seconds=ten'], 'PROCESS_KIT_ERR_FLAGS'],
    [['--operator-service-account=noslash'], 'PROCESS_KIT_ERR_FLAGS'],
    [['--metrics-bind-address=8080'], 'PROCESS_KIT_ERR_HOST_PORT'],
    [['--health-probe-bind-address=::1:8081'], 'PROCESS_KIT_ERR_HOST_PORT'],
    [['--leader-elect-lease-duration=15'], 'PROCESS_KIT_ERR_DURATION'],
    [['--leader-elect-lease-duration=5s'], 'KUBE_RUNTIME_ERR_LEASE'],
    [['--log-level=loud'], 'PROCESS_KIT_ERR_LOG_LEVEL'],
    [['--no-such-flag'], 'PROCESS_KIT_ERR_FLAGS'],
    [['extra-argument'], 'PROCESS_KIT_ERR_FLAGS'],
    [['--scraper-identity=system:serviceaccount:monitoring:monitoring-operator'], 'APPROVER_ERR_CONFIG'],
    [['--leader-election-namespace=Not_A_Namespace'], 'KUBE_RUNTIME_ERR_LEASE'],
  ])('rejects %j with code %s (runMain: exit 2)', (argv, code) => {
    expect(() => run(argv)).toThrow(expect.objectContaining({ code }));
  });
});

describe('parseConfig --identities-file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'approver-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const PLATFORM = 'system:serviceaccount:monitoring:prometheus-k8s';
  const TENANT = 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload';
  const two = file(
    'two.yaml',
    [
      'apiVersion: certscrape.io/v1alpha1',
      'kind: ScraperIdentities',
      'identities:',
      `  - username: ${PLATFORM}`,
      '    secret: { namespace: monitoring, name: metrics-client-certs }',
      `  - username: ${TENANT}`,
      '    groups: [certscrape:user-workload]',
      '    secret: { namespace: monitoring-user-workload, name: metrics-client-certs }',
      '    expirationSeconds: 86400',
      '',
    ].join('\n'),
  );

  it('reads the set into the policy, in file order; only the first identity may read /metrics', () => {
    const { app } = runConfig([`--identities-file=${two}`]);
    expect(app.identitiesFile).toBe(two);
    expect(app.policy.identities).toEqual([
      { username: PLATFORM, groups: [] },
      { username: TENANT, groups: ['certscrape:user-workload'] },
    ]);
    expect(app.scraperIdentity).toBe(PLATFORM);
    expect(app.metricsTls?.allowedUsers).toEqual([PLATFORM]);
  });

  it('without the file, --scraper-identity defines the single identity exactly as before', () => {
    const { app } = runConfig(['--scraper-identity=system:serviceaccount:obs:prom']);
    expect(app.identitiesFile).toBeUndefined();
    expect(app.policy.identities).toEqual([{ username: 'system:serviceaccount:obs:prom', groups: [] }]);
    expect(app.metricsTls?.allowedUsers).toEqual(['system:serviceaccount:obs:prom']);
  });

  it.each<[string, () => string[], RegExp]>([
    ['if --scraper-identity is given with --identities-file, refuse: which one would be meant?', () => [`--identities-file=${two}`, `--scraper-identity=${PLATFORM}`], /mutually exclusive/],
    ['if the file does not exist, refuse naming it', () => [`--identities-file=${join(dir, 'missing.yaml')}`], /missing\.yaml: cannot read/],
    ['if the file is not YAML, refuse', () => [`--identities-file=${file('bad.yaml', 'identities: [')}`], /not a single valid YAML document/],
    ['if the file lists no identity, refuse', () => [`--identities-file=${file('empty.yaml', 'apiVersion: certscrape.io/v1alpha1\nkind: ScraperIdentities\nidentities: []\n')}`], /at least one identity/],
    [
      'if the file lists the operator itself, refuse: a service account must not mint certificates for itself',
      () => [`--identities-file=${file('self.yaml', 'apiVersion: certscrape.io/v1alpha1\nkind: ScraperIdentities\nidentities:\n  - username: system:serviceaccount:monitoring:monitoring-operator\n    secret: { namespace: monitoring, name: s }\n')}`],
      /must differ from the requester/,
    ],
  ])('%s', (_sentence, argv, message) => {
    let error: unknown;
    try {
      run(argv());
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'APPROVER_ERR_CONFIG' });
    expect((error as Error).message).toMatch(message);
  });
});
