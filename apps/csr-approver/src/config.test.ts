import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';

const run = (argv: string[], env: Record<string, string> = {}) => parseConfig(argv, env, 'host-1');

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const r = run([]);
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(r.config).toMatchObject({
      kubeconfig: undefined,
      scraperIdentity: 'system:serviceaccount:monitoring:prometheus-k8s',
      operatorServiceAccount: { namespace: 'monitoring', name: 'monitoring-operator' },
      maxExpirationSeconds: 2_592_000,
      leaderElect: true,
      leaderElectionNamespace: 'monitoring',
      leaderElectionId: 'certscrape-csr-approver',
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
    });
    expect(r.config.leaderElectionIdentity).toMatch(/^host-1_/);
    const inPod = run([], { POD_NAME: 'csr-approver-7d9f-abcde' });
    expect(inPod.kind === 'run' && inPod.config.leaderElectionIdentity).toMatch(/^csr-approver-7d9f-abcde_/);
    expect(r.config.policy.requester.username).toBe('system:serviceaccount:monitoring:monitoring-operator');
  });

  it('accepts every flag, including --leader-elect=false', () => {
    const r = run([
      '--kubeconfig=/tmp/kc',
      '--scraper-identity', 'system:serviceaccount:obs:prom',
      '--operator-service-account=obs/op',
      '--max-expiration-seconds=3600',
      '--leader-elect=false',
      '--leader-election-namespace=obs',
      '--metrics-bind-address=127.0.0.1:0',
      '--health-probe-bind-address=127.0.0.1:0',
    ], { KUBECONFIG: '/x', SECRET: 'no' });
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(r.config).toMatchObject({ kubeconfig: '/tmp/kc', leaderElect: false, maxExpirationSeconds: 3600, leaderElectionNamespace: 'obs' });
    expect(r.config.policy).toMatchObject({ identity: { username: 'system:serviceaccount:obs:prom' }, requester: { username: 'system:serviceaccount:obs:op' }, expirationSeconds: { max: 3600 } });
    expect(r.config.env).not.toHaveProperty('SECRET');
  });

  it('prints help for --help and exits 0', () => {
    const r = run(['--help']);
    expect(r).toMatchObject({ kind: 'exit', code: 0 });
    if (r.kind !== 'exit') return;
    for (const flag of ['--kubeconfig', '--scraper-identity', '--operator-service-account', '--max-expiration-seconds', '--leader-elect', '--leader-election-namespace', '--metrics-bind-address', '--health-probe-bind-address', '--help']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it.each([
    [['--leader-elect=maybe']],
    [['--max-expiration-seconds=599']],
    [['--max-expiration-seconds=ten']],
    [['--operator-service-account=noslash']],
    [['--metrics-bind-address=8080']],
    [['--no-such-flag']],
    [['extra-argument']],
    [['--scraper-identity=system:serviceaccount:monitoring:monitoring-operator']],
    [['--leader-election-namespace=Not_A_Namespace']],
  ])('rejects %j with a message and exit code 2', (argv) => {
    const r = run(argv);
    expect(r).toMatchObject({ kind: 'exit', code: 2 });
    if (r.kind === 'exit') expect(r.stderr).toMatch(/error/i);
  });
});
