import { describe, expect, it } from 'vitest';
import { readEnvironment } from './config.js';
import { progressReporter } from './progress.js';
import { parseServiceAccountRef, serviceAccountUsername } from './service-account.js';
import { resolveBinaries } from './provision.js';
import { freePorts } from './ports.js';

describe('parseServiceAccountRef', () => {
  it('splits NAMESPACE/NAME', () => {
    expect(parseServiceAccountRef('monitoring/prometheus-k8s')).toEqual({ namespace: 'monitoring', name: 'prometheus-k8s' });
    expect(serviceAccountUsername('monitoring', 'prometheus-k8s')).toBe('system:serviceaccount:monitoring:prometheus-k8s');
  });
  it.each(['monitoring', 'a/b/c', '/b', 'a/', 'Mon/x', 'a_b/c'])('refuses %j with LOCAL_CLUSTER_ERR_ARGUMENT', (ref) => {
    expect(() => parseServiceAccountRef(ref)).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_ARGUMENT' }));
  });
});

describe('readEnvironment', () => {
  it('reads the three variables, treating empty as unset', () => {
    expect(readEnvironment({ CERTSCRAPE_K8S_BIN_DIR: '/opt/k8s', CERTSCRAPE_CLUSTER_STATE_DIR: ' ', CERTSCRAPE_CLUSTER_SIGNING_DURATION: '10m' })).toEqual({
      k8sBinDir: '/opt/k8s',
      clusterStateDir: undefined,
      signingDurationSeconds: 600,
    });
    expect(readEnvironment({})).toEqual({ k8sBinDir: undefined, clusterStateDir: undefined, signingDurationSeconds: undefined });
  });
});

describe('progressReporter', () => {
  it('prefixes each step with the time since start', () => {
    const lines: string[] = [];
    let t = 1000;
    const say = progressReporter((l) => lines.push(l), 1000, () => t);
    say('a');
    t = 3500;
    say('b');
    expect(lines).toEqual(['[certscrape-cluster +0.0s] a', '[certscrape-cluster +2.5s] b']);
  });
});

describe('resolveBinaries', () => {
  it('names the missing kube-apiserver with LOCAL_CLUSTER_ERR_BINARY_MISSING', () => {
    expect(() => resolveBinaries('/nonexistent')).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_BINARY_MISSING' }));
  });
});

describe('freePorts', () => {
  it('hands out distinct ports', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });
});
