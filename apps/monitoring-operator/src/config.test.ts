import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { singleIdentitySet } from '@certscrape/identity';
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
    expect(app).toMatchObject({ namespace: 'monitoring', signerName: 'kubernetes.io/kube-apiserver-client', identitiesFile: undefined, issuanceStallSeconds: 300, signerProbeSeconds: 300 });
    // Without --identities-file: exactly today's single identity.
    expect(app.identities).toEqual({
      identities: [
        {
          username: 'system:serviceaccount:monitoring:prometheus-k8s',
          groups: [],
          secret: { namespace: 'monitoring', name: 'metrics-client-certs' },
          pendingSecret: { namespace: 'monitoring', name: 'metrics-client-certs-pending' },
          caConfigMap: { namespace: 'monitoring', name: 'metrics-client-ca' },
          expirationSeconds: 2592000,
        },
      ],
    });
    expect(app.identities).toEqual(singleIdentitySet());
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
    const { app } = cfg(['--namespace', 'obs', '--secret-name', 's', '--ca-configmap-name', 'c', '--state-secret-name', 'p', '--scraper-identity', 'bob', '--signer-name', 'example.com/x', '--expiration-seconds', '600']);
    expect(app.namespace).toBe('obs');
    expect(app.signerName).toBe('example.com/x');
    expect(app.identities.identities).toEqual([
      { username: 'bob', groups: [], secret: { namespace: 'obs', name: 's' }, pendingSecret: { namespace: 'obs', name: 'p' }, caConfigMap: { namespace: 'obs', name: 'c' }, expirationSeconds: 600 },
    ]);
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
  it('reads --issuance-stall-seconds and --signer-probe-seconds; 0 or a non-number is a flag error', () => {
    expect(cfg(['--issuance-stall-seconds', '30', '--signer-probe-seconds', '15']).app).toMatchObject({ issuanceStallSeconds: 30, signerProbeSeconds: 15 });
    for (const bad of ['0', '-1', '1.5', 'x']) {
      expect(codeOf(() => parse(['--issuance-stall-seconds', bad]))).toBe('PROCESS_KIT_ERR_FLAGS');
      expect(codeOf(() => parse(['--signer-probe-seconds', bad]))).toBe('PROCESS_KIT_ERR_FLAGS');
    }
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
    for (const flag of ['--kubeconfig', '--namespace', '--identities-file', '--secret-name', '--ca-configmap-name', '--state-secret-name', '--scraper-identity', '--signer-name', '--expiration-seconds', '--issuance-stall-seconds', '--signer-probe-seconds', '--leader-elect', '--metrics-bind-address', '--metrics-client-ca-file', '--health-probe-bind-address', '--log-level', '--version', '--help']) {
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

  describe('--identities-file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mo-config-'));
    const file = join(dir, 'identities.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: certscrape.io/v1alpha1',
        'kind: ScraperIdentities',
        'identities:',
        '  - username: system:serviceaccount:monitoring:prometheus-k8s',
        '    secret: { namespace: monitoring, name: metrics-client-certs }',
        '    caConfigMap: { namespace: monitoring, name: metrics-client-ca }',
        '  - username: system:serviceaccount:monitoring-user-workload:prometheus-user-workload',
        '    secret: { namespace: monitoring-user-workload, name: metrics-client-certs }',
        '    expirationSeconds: 3600',
        '',
      ].join('\n'),
    );
    it('reads every identity from the file', () => {
      const { app } = cfg(['--identities-file', file]);
      expect(app.identitiesFile).toBe(file);
      expect(app.identities.identities.map((i) => [i.username, `${i.secret.namespace}/${i.secret.name}`, `${i.pendingSecret.namespace}/${i.pendingSecret.name}`, i.expirationSeconds])).toEqual([
        ['system:serviceaccount:monitoring:prometheus-k8s', 'monitoring/metrics-client-certs', 'monitoring/metrics-client-certs-pending', 2592000],
        ['system:serviceaccount:monitoring-user-workload:prometheus-user-workload', 'monitoring-user-workload/metrics-client-certs', 'monitoring-user-workload/metrics-client-certs-pending', 3600],
      ]);
    });
    it('only the first identity may read the operator\'s own /metrics', () => {
      expect(cfg(['--identities-file', file]).app.metricsTls?.allowedUsers).toEqual(['system:serviceaccount:monitoring:prometheus-k8s']);
    });
    it('--namespace still names the Lease namespace beside the file', () => {
      expect(cfg(['--identities-file', file, '--namespace', 'obs']).runtime.leaderElection.resourceNamespace).toBe('obs');
    });
    it.each([['--secret-name', 's'], ['--ca-configmap-name', 'c'], ['--state-secret-name', 'p'], ['--scraper-identity', 'bob'], ['--expiration-seconds', '600']])(
      'if %s is given beside the file, refuse with OPERATOR_ERR_CONFIG naming it',
      (flag, value) => {
        let e: unknown;
        try {
          parse(['--identities-file', file, flag, value]);
        } catch (err) {
          e = err;
        }
        expect(isOperatorError(e, 'OPERATOR_ERR_CONFIG')).toBe(true);
        expect((e as Error).message).toContain(flag);
      },
    );
    it('if the file is invalid, refuse with IDENTITY_ERR_INVALID_IDENTITY_SET', () => {
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'apiVersion: certscrape.io/v1alpha1\nkind: ScraperIdentities\nidentities: []\n');
      expect(codeOf(() => parse(['--identities-file', bad]))).toBe('IDENTITY_ERR_INVALID_IDENTITY_SET');
      expect(codeOf(() => parse(['--identities-file', join(dir, 'absent.yaml')]))).toBe('IDENTITY_ERR_INVALID_IDENTITY_SET');
    });
  });
});
