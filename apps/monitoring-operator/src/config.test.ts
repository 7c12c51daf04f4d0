import { describe, expect, it } from 'vitest';
import { isOperatorError } from './errors.js';
import { parseConfig, type OperatorConfig } from './config.js';

function run(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const r = parseConfig({ args, env, pid: 42, writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { r, out, err };
}
const cfg = (args: string[], env: Record<string, string> = {}): OperatorConfig => {
  const { r } = run(args, env);
  if (r.kind !== 'run') throw new Error(`expected run, got exit ${r.exitCode}`);
  return r.config;
};

describe('parseConfig', () => {
  it('has the design.md defaults', () => {
    expect(cfg([])).toMatchObject({
      kubeconfig: undefined,
      namespace: 'monitoring',
      secretName: 'metrics-client-certs',
      caConfigMapName: 'metrics-client-ca',
      stateSecretName: 'metrics-client-certs-pending',
      scraperIdentity: 'system:serviceaccount:monitoring:prometheus-k8s',
      signerName: 'kubernetes.io/kube-apiserver-client',
      expirationSeconds: 2592000,
      leaderElect: true,
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      leaderIdentity: 'operator_42',
    });
  });
  it.each([
    [['--leader-elect=false'], false],
    [['--leader-elect', 'false'], false],
    [['--leader-elect'], true],
    [['--leader-elect=true'], true],
  ])('%j -> leaderElect %s', (args, want) => expect(cfg(args).leaderElect).toBe(want));
  it('reads every flag', () => {
    expect(
      cfg(['--kubeconfig', '/k', '--namespace', 'obs', '--secret-name', 's', '--ca-configmap-name', 'c', '--state-secret-name', 'p', '--scraper-identity', 'bob', '--signer-name', 'example.com/x', '--expiration-seconds', '600', '--metrics-bind-address', '127.0.0.1:9090', '--health-probe-bind-address', '0']),
    ).toMatchObject({ kubeconfig: '/k', namespace: 'obs', secretName: 's', caConfigMapName: 'c', stateSecretName: 'p', scraperIdentity: 'bob', signerName: 'example.com/x', expirationSeconds: 600, metricsBindAddress: '127.0.0.1:9090', healthProbeBindAddress: undefined });
  });
  it('takes KUBECONFIG from the environment when --kubeconfig is absent', () => {
    expect(cfg([], { KUBECONFIG: '/env/kc' }).kubeconfig).toBe('/env/kc');
  });
  it('if --expiration-seconds is below 600, exit 2 with a message', () => {
    const { r, err } = run(['--expiration-seconds', '599']);
    expect(r).toEqual({ kind: 'exit', exitCode: 2 });
    expect(err).toMatch(/at least 600/);
  });
  it('if a flag is unknown, exit 2', () => {
    expect(run(['--nope']).r).toEqual({ kind: 'exit', exitCode: 2 });
  });
  it('if --leader-elect has a non-boolean value, exit 2', () => {
    expect(run(['--leader-elect=maybe']).r).toEqual({ kind: 'exit', exitCode: 2 });
  });
  it('--help lists every flag and exits 0', () => {
    const { r, out } = run(['--help']);
    expect(r).toEqual({ kind: 'exit', exitCode: 0 });
    for (const flag of ['--kubeconfig', '--namespace', '--secret-name', '--ca-configmap-name', '--state-secret-name', '--scraper-identity', '--signer-name', '--expiration-seconds', '--leader-elect', '--metrics-bind-address', '--health-probe-bind-address', '--help']) {
      expect(out).toContain(flag);
    }
  });
  it('if the state Secret is the target Secret, refuse with OPERATOR_ERR_CONFIG', () => {
    let e: unknown;
    try {
      run(['--state-secret-name', 'metrics-client-certs']);
    } catch (err) {
      e = err;
    }
    expect(isOperatorError(e, 'OPERATOR_ERR_CONFIG')).toBe(true);
  });
});
