// The approver's plan for subjects that look like the identity but are not, as Go (the signer and
// kube-apiserver) reads them: the Denied condition names only true reasons.
import { describe, expect, it } from 'vitest';
import { createCsrPolicy, serviceAccountUser } from '@certscrape/identity';
import { createTestCsr } from '@certscrape/pkcs/testing';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { planApproval } from './decide.js';

const IDENTITY = 'system:serviceaccount:monitoring:prometheus-k8s';
const OPERATOR = serviceAccountUser({ namespace: 'monitoring', name: 'monitoring-operator' });
const policy = createCsrPolicy();
const NOW = new Date('2026-01-02T03:04:05Z');

async function object(cnValue: string, username = OPERATOR.username): Promise<V1CertificateSigningRequest> {
  const { pem } = await createTestCsr({ subject: [[{ type: 'CN', value: cnValue }]] });
  return {
    metadata: { name: 'x', resourceVersion: '1' },
    spec: { signerName: policy.signerName, username, groups: OPERATOR.groups, usages: ['digital signature', 'client auth'], request: Buffer.from(pem).toString('base64') },
  };
}

describe('planApproval denies look-alike identities with true reasons only', () => {
  it.each<[string, string, string, RegExp]>([
    ['if the CN is "\\ufeff<identity>" (a BOM Go keeps), deny naming U+FEFF', `\ufeff${IDENTITY}`, OPERATOR.username, /U\+FEFF/],
    ['if the CN ends in U+200B, deny naming U+200B', `${IDENTITY}\u200b`, OPERATOR.username, /U\+200B/],
    ['if the CN carries U+0000, deny naming U+0000', `${IDENTITY}\u0000`, OPERATOR.username, /U\+0000/],
  ])('%s', async (_sentence, cnValue, username, reason) => {
    const plan = await planApproval(await object(cnValue, username), policy, NOW);
    expect(plan.action).toBe('deny');
    if (plan.action !== 'deny') return;
    expect(plan.violations.map((v) => v.rule)).toContain('subject-character');
    expect(plan.condition.message).toMatch(reason);
    expect(plan.condition.message).not.toMatch(/does not verify/);
  });
});
