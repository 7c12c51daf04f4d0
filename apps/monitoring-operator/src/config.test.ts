import { describe, expect, it } from 'vitest';
import { isOperatorError } from './errors.js';
import { parseConfig, type OperatorConfig } from './config.js';
import type { ControllerConfig } from '@certscrape/kube-runtime';

const parse = (args: string[], env: Record<string, string> = {}) => parseConfig(args, env, 'host-1');
const cfg = (args: string[], env: Record<string, string> = {}): ControllerConfig<OperatorConfig> => {
  const r = parse(args, env);
  if (r.kind !== 'run') throw new Error('expected run, got help');
  return r.config;
};
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('parseConfig', () => {
  it('has the design.md defaults', () => {
    const { app, runtime } = cfg([]);
    expect(app).toMatchObject({
      namespace: 'monitoring',
      secretName: 'metrics-client-certs',
      caConfigMapName: 'metrics-client-ca',
      stateSecretName: 'metrics-client-certs-pending',
      scraperIdentity: 'system:serviceaccount:monitoring:prometheus-k8s',
      signerName: 'kubernetes.io/kube-apiserver-client',
      expirationSeconds: 2592000,
    });
    expect(runtime).toMatchObject({ kubeconfig: undefined, metricsBindAddress: ':8443', healthProbeBindAddress: ':8081' });
    expect(runtime.leaderElection).toMatchObject({ leaderElect: true, resourceName: 'certscrape-monitoring-operator', resourceNamespace: 'monitoring' });
    expect(runtime.identity).toMatch(/^host-1_/);
    // HTTPS metrics for the scraper identity by default.
    expect(app.metricsTls?.allowedUsers).toEqual(['system:serviceaccount:monitoring:prometheus-k8s']);
  });
  it.each([
    [['--leader-elect=false'], false],
    [['--leader-elect', 'false'], false],
    [['--leader-elect'], true],
    [['--leader-elect=true'], true],
  ])('%j -> leaderElect %s', (args, want) => expect(cfg(args).runtime.leaderElection.leaderElect).toBe(want));
  it('reads every flag of its own', () => {
    expect(cfg(['--namespace', 'obs', '--secret-name', 's', '--ca-configmap-name', 'c', '--state-secret-name', 'p', '--scraper-identity', 'bob', '--signer-name', 'example.com/x', '--expiration-seconds', '600']).app).toMatchObject({
      namespace: 'obs', secretName: 's', caConfigMapName: 'c', stateSecretName: 'p', scraperIdentity: 'bob', signerName: 'example.com/x', expirationSeconds: 600,
    });
  });
  it('the Lease lives in --namespace unless --leader-elect-resource-namespace names another', () => {
    expect(cfg(['--namespace', 'obs']).runtime.leaderElection.resourceNamespace).toBe('obs');
    expect(cfg(['--namespace', 'obs', '--leader-elect-resource-namespace', 'leases']).runtime.leaderElection.resourceNamespace).toBe('leases');
  });
  it('reads the shared controller flags (runController) too', () => {
    const { runtime, app } = cfg(['--kubeconfig', '/k', '--metrics-bind-address', '127.0.0.1:9090', '--metrics-secure=false', '--health-probe-bind-address', '0']);
    expect(runtime).toMatchObject({ kubeconfig: '/k', metricsBindAddress: '127.0.0.1:9090', healthProbeBindAddress: '0' });
    expect(app.metricsTls).toBeUndefined();
  });
  it('if --expiration-seconds is below 600, it is a flag error (exit 2)', () => {
    expect(codeOf(() => parse(['--expiration-seconds', '599']))).toBe('PROCESS_KIT_ERR_FLAGS');
  });
  it('if a flag is unknown, it is a flag error', () => {
    expect(codeOf(() => parse(['--nope']))).toBe('PROCESS_KIT_ERR_FLAGS');
  });
  it('if --leader-elect has a non-boolean value, it is a configuration error', () => {
    expect(codeOf(() => parse(['--leader-elect=maybe']))).toBeDefined();
  });
  it('--help lists every flag', () => {
    const r = parse(['--help']);
    expect(r.kind).toBe('print');
    const text = r.kind === 'print' ? r.text : '';
    for (const flag of ['--kubeconfig', '--namespace', '--secret-name', '--ca-configmap-name', '--state-secret-name', '--scraper-identity', '--signer-name', '--expiration-seconds', '--leader-elect', '--metrics-bind-address', '--metrics-client-ca-file', '--health-probe-bind-address', '--log-level', '--version', '--help']) {
      expect(text).toContain(flag);
    }
  });
  it('if the state Secret is the target Secret, refuse with OPERATOR_ERR_CONFIG', () => {
    let e: unknown;
    try {
      parse(['--state-secret-name', 'metrics-client-certs']);
    } catch (err) {
      e = err;
    }
    expect(isOperatorError(e, 'OPERATOR_ERR_CONFIG')).toBe(true);
  });
});
