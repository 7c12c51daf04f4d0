import { describe, expect, it } from 'vitest';
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
    for (const flag of ['--kubeconfig', '--scraper-identity', '--operator-service-account', '--max-expiration-seconds', '--leader-elect', '--leader-elect-lease-duration', '--leader-elect-resource-namespace', '--leader-election-namespace', '--metrics-bind-address', '--health-probe-bind-address', '--log-level', '--version', '--help']) {
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
