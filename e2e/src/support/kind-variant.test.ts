import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CUT_POLICY_NAME, KIND_APPS, PUBLIC_BASE_ARGS, cutNetworkPolicy, kindCutSteps, kindImage, kindRestoreSteps, kindSetupSteps } from './kind-variant.js';

const o = { clusterName: 'certscrape-e2e', kubeconfig: '/tmp/kind.kubeconfig' };

describe('kind variant (command construction only; no Docker engine here)', () => {
  it('builds every app from the one Dockerfile (APP build argument, public Node base) with the tag deploy/ references, then loads it into the cluster', () => {
    const steps = kindSetupSteps(o).map((s) => s.argv.join(' '));
    for (const app of KIND_APPS) {
      expect(steps).toContain(`docker build ${PUBLIC_BASE_ARGS.join(' ')} --build-arg APP=${app} -f Dockerfile -t ghcr.io/certscrape/${app}:0.1.0 .`);
      expect(steps).toContain(`kind load docker-image ${kindImage(app)} --name certscrape-e2e`);
    }
    const build = steps.findIndex((s) => s.startsWith('docker build'));
    const apply = steps.findIndex((s) => s.includes('apply -k deploy/'));
    expect(build).toBeLessThan(apply);
  });

  it('every kubectl call names the cluster kubeconfig explicitly', () => {
    const kubectl = [...kindSetupSteps(o), ...kindCutSteps(o, ['172.18.0.2']), ...kindRestoreSteps(o)].filter((s) => s.argv[0] === 'kubectl');
    expect(kubectl.length).toBeGreaterThan(3);
    for (const s of kubectl) expect(s.argv[1]).toBe('--kubeconfig=/tmp/kind.kubeconfig');
  });

  it('the cut policy selects the target pods, restricts egress only, and excepts exactly the apiserver addresses', () => {
    const policy = parse(cutNetworkPolicy({ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'target-auth' }, apiserverAddresses: ['172.18.0.2', '10.96.0.1'] }));
    expect(policy.metadata).toEqual({ name: CUT_POLICY_NAME, namespace: 'monitoring' });
    expect(policy.spec.policyTypes).toEqual(['Egress']);
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'target-auth' });
    expect(policy.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['172.18.0.2/32', '10.96.0.1/32'] } }] }]);
  });

  it('the cut is applied from stdin and lifted by deleting the same policy', () => {
    const [cut] = kindCutSteps(o, ['172.18.0.2']);
    expect(cut?.argv.slice(-3)).toEqual(['apply', '-f', '-']);
    expect(cut?.stdin).toContain(CUT_POLICY_NAME);
    expect(kindRestoreSteps(o)[0]?.argv).toContain(CUT_POLICY_NAME);
  });
});
