import { generateKeyPair, subjectAltNameExtension, type KeyPair } from '@certscrape/pkcs';
import { createTestCsr } from '@certscrape/pkcs/testing';
import { buildCsrSpec, createCsrPolicy, evaluateCsr, type CsrPolicy, type CsrView } from '@certscrape/identity';

/** The mix a busy cluster shows an approver: mostly other signers' and other requesters' CSRs. */
export const MIX = { otherSigner: 0.5, otherRequester: 0.2, legit: 0.2, hostile: 0.1 } as const;

/** Builds `n` CSR views in the mix above (P-256 keys; a small key pool keeps setup time down). */
export async function buildCsrBurst(n: number, policy: CsrPolicy): Promise<{ views: CsrView[]; counts: Record<keyof typeof MIX, number> }> {
  const keys: KeyPair[] = await Promise.all(Array.from({ length: 16 }, () => generateKeyPair()));
  const counts = { otherSigner: 0, otherRequester: 0, legit: 0, hostile: 0 };
  const views: CsrView[] = [];
  const operator = policy.requester;
  for (let i = 0; i < n; i++) {
    const k = keys[i % keys.length]!;
    const x = (i * 0.618033988749895) % 1; // deterministic low-discrepancy spread over the mix
    let kind: keyof typeof MIX;
    if (x < MIX.otherSigner) kind = 'otherSigner';
    else if (x < MIX.otherSigner + MIX.otherRequester) kind = 'otherRequester';
    else if (x < MIX.otherSigner + MIX.otherRequester + MIX.legit) kind = 'legit';
    else kind = 'hostile';
    counts[kind]++;
    const base = { name: `csr-${i}`, conditions: [], expirationSeconds: undefined };
    if (kind === 'legit') {
      const spec = await buildCsrSpec(policy, k);
      views.push({ ...base, signerName: spec.signerName, username: operator.username, groups: operator.groups, usages: spec.usages, request: spec.request });
    } else if (kind === 'hostile') {
      const { pem } = await createTestCsr({ keys: k, commonName: policy.identity.username, extensions: [subjectAltNameExtension([{ type: 'dns', value: `h${i}.example` }])] });
      views.push({ ...base, signerName: policy.signerName, username: operator.username, groups: operator.groups, usages: ['digital signature', 'client auth'], request: pem });
    } else {
      const { pem } = await createTestCsr({ keys: k, commonName: `system:node:worker-${i}` });
      views.push({
        ...base,
        signerName: kind === 'otherSigner' ? 'kubernetes.io/kube-apiserver-client-kubelet' : policy.signerName,
        username: `system:node:worker-${i}`,
        groups: ['system:nodes', 'system:authenticated'],
        usages: ['digital signature', 'client auth'],
        request: pem,
      });
    }
  }
  return { views, counts };
}

/** Evaluates every CSR of the burst in turn; returns decisions per second and the tally. */
export async function measureEvaluation(views: readonly CsrView[], policy: CsrPolicy = createCsrPolicy()): Promise<{ perSecond: number; tally: Record<string, number>; elapsedMs: number }> {
  const tally: Record<string, number> = {};
  const t0 = performance.now();
  for (const v of views) {
    const d = await evaluateCsr(v, policy);
    tally[d.result] = (tally[d.result] ?? 0) + 1;
  }
  const elapsedMs = performance.now() - t0;
  return { perSecond: Math.round(views.length / (elapsedMs / 1000)), tally, elapsedMs: Math.round(elapsedMs) };
}
