// The approver's hostile-CSR tables again, with two identities configured (the platform Prometheus and a
// user-workload tenant with a group): every hostile CSR for either identity is denied for the same reasons
// as with one, a CSR mixing the two or naming both is denied, an identity absent from the set is denied,
// and the operator's label/annotation (a hint, never a boundary) never changes a decision.
import { createCsrPolicy, CSR_SUBJECT_LABEL } from '@certscrape/identity';
import type { ScraperIdentity } from '@certscrape/identity';
import { basicConstraintsExtension, EKU, extendedKeyUsageExtension, keyUsageExtension, subjectAltNameExtension } from '@certscrape/pkcs';
import type { GeneralName, NameInput } from '@certscrape/pkcs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DENIED_REASON, planApproval } from './decide.js';
import type { ApprovalPlan } from './decide.js';
import { csrObject, OPERATOR } from './testing/csr-object.js';
import type { CsrRow } from './testing/csr-object.js';

const PLATFORM: ScraperIdentity = { username: 'system:serviceaccount:monitoring:prometheus-k8s', groups: [] };
const TENANT: ScraperIdentity = { username: 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload', groups: ['certscrape:user-workload'] };
const ABSENT = 'system:serviceaccount:tenant-b:prometheus';
const NOW = new Date('2026-01-02T03:04:05Z');
const policy = createCsrPolicy({ scraperIdentities: [PLATFORM, TENANT], maxExpirationSeconds: 86_400 });

const cn = (value: string) => [{ type: 'CN', value }];
const o = (value: string) => [{ type: 'O', value }];
const subjectOf = (id: ScraperIdentity): NameInput => [cn(id.username), ...id.groups.map(o)];
const plan = async (row: CsrRow): Promise<ApprovalPlan> => planApproval(await csrObject(row), policy, NOW);
const rules = (p: ApprovalPlan) => (p.action === 'deny' ? [...new Set(p.violations.map((v) => v.rule))].sort() : []);
const san = (...names: GeneralName[]) => [subjectAltNameExtension(names)];
/** The short name the operator's label carries (`prometheus-k8s`): the last segment of the username. */
const labelOf = (id: ScraperIdentity | string) => (typeof id === 'string' ? id : id.username).split(':').pop()!;

/** Every hostile CSR of the single-identity table, aimed at `id` (its subject is `id`'s, honest apart from the row's twist). */
function hostileRows(id: ScraperIdentity): [string, CsrRow, string[]][] {
  const base = subjectOf(id);
  return [
    ['if the CSR carries a DNS SAN, deny', { subject: base, extensions: san({ type: 'dns', value: 'evil.example.com' }) }, ['extension-subject-alt-name']],
    ['if the CSR carries an IP SAN, deny', { subject: base, extensions: san({ type: 'ip', value: '127.0.0.1' }) }, ['extension-subject-alt-name']],
    ['if the CSR carries an email SAN, deny', { subject: base, extensions: san({ type: 'email', value: 'root@example.com' }) }, ['extension-subject-alt-name']],
    ['if the CSR carries a URI SAN, deny', { subject: base, extensions: san({ type: 'uri', value: 'spiffe://cluster/ns/kube-system/sa/admin' }) }, ['extension-subject-alt-name']],
    ['if the CSR carries an otherName SAN (UPN), deny', { subject: base, extensions: san({ type: 'otherName', value: '1.3.6.1.4.1.311.20.2.3:admin@example.com' }) }, ['extension-subject-alt-name']],
    ['if the CSR carries a directoryName SAN, deny', { subject: base, extensions: san({ type: 'directoryName', value: 'CN=system:admin,O=system:masters' }) }, ['extension-subject-alt-name']],
    ['if the subject adds O=system:masters, deny', { subject: [...base, o('system:masters')] }, ['subject-organization', 'subject-rdn-count']],
    ['if the subject adds another O, deny', { subject: [...base, o('monitoring')] }, ['subject-organization', 'subject-rdn-count']],
    ['if the subject adds an OU, deny', { subject: [...base, [{ type: 'OU', value: 'ops' }]] }, ['subject-attribute', 'subject-rdn-count']],
    ['if the subject repeats the CN with another user after it, deny', { subject: [...base, cn('system:admin')] }, ['subject-common-name', 'subject-rdn-count']],
    ['if the subject repeats the CN with another user before it, deny', { subject: [cn('system:admin'), ...base] }, ['subject-common-name', 'subject-rdn-count']],
    ['if the CN has a trailing space, deny as an identity absent from the set', { subject: [cn(`${id.username} `), ...id.groups.map(o)] }, ['subject-identity-unknown']],
    ['if the CN starts with U+FEFF, deny naming the character', { subject: [cn(`\ufeff${id.username}`), ...id.groups.map(o)] }, ['subject-character', 'subject-identity-unknown']],
    ['if the CN ends in U+200B, deny naming the character', { subject: [cn(`${id.username}\u200b`), ...id.groups.map(o)] }, ['subject-character', 'subject-identity-unknown']],
    ['if the CN carries U+0000, deny naming the character', { subject: [cn(`${id.username}\u0000`), ...id.groups.map(o)] }, ['subject-character', 'subject-identity-unknown']],
    ['if basicConstraints requests a CA, deny', { subject: base, extensions: [basicConstraintsExtension(true)] }, ['extension-ca']],
    ['if a keyUsage extension is requested (keyCertSign), deny', { subject: base, extensions: [keyUsageExtension(['digitalSignature', 'keyCertSign'])] }, ['extension-not-allowed']],
    ['if an extendedKeyUsage extension is requested (serverAuth), deny', { subject: base, extensions: [extendedKeyUsageExtension([EKU.serverAuth])] }, ['extension-not-allowed']],
    ['if spec.usages asks for server auth, deny', { subject: base, usages: ['digital signature', 'client auth', 'server auth'] }, ['usage-not-allowed']],
    ['if spec.usages lacks client auth, deny', { subject: base, usages: ['digital signature', 'key encipherment'] }, ['usage-required']],
    ['if expirationSeconds is above --max-expiration-seconds, deny', { subject: base, expirationSeconds: 86_401 }, ['expiration-out-of-range']],
    ['if the key is RSA-1024, deny', { subject: base, keySpec: { kind: 'rsa', bits: 1024 } }, ['key-too-weak']],
    ['if the signature does not verify, deny', { subject: base, tamper: 'signature' }, ['signature-invalid']],
    ['if the operator username comes with an extra group (system:masters), deny', { subject: base, groups: [...OPERATOR.groups, 'system:masters'] }, ['requester-groups']],
    ['if an admin requests the identity, deny', { subject: base, username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }, ['requester-groups', 'requester-username']],
    [
      'if another service account requests the identity, deny',
      { subject: base, username: 'system:serviceaccount:monitoring:other', groups: ['system:serviceaccounts', 'system:serviceaccounts:monitoring', 'system:authenticated'] },
      ['requester-username'],
    ],
  ];
}

async function expectDenied(row: CsrRow, expected: string[]): Promise<void> {
  const p = await plan(row);
  expect(p.action, JSON.stringify(p.action === 'deny' ? p.violations : p)).toBe('deny');
  expect(rules(p)).toEqual([...expected].sort());
  if (p.action !== 'deny') return;
  expect(p.condition).toMatchObject({ type: 'Denied', status: 'True', reason: DENIED_REASON });
  for (const v of p.violations) expect(p.condition.message).toContain(`[${v.rule}]`);
}

describe('planApproval with two identities: each identity alone is approved', () => {
  it.each<[string, ScraperIdentity]>([
    ['if the operator requests exactly the platform identity, approve', PLATFORM],
    ['if the operator requests exactly the tenant identity (CN + its O), approve', TENANT],
  ])('%s', async (_sentence, id) => {
    expect((await plan({ subject: subjectOf(id) })).action).toBe('approve');
  });
});

for (const id of [PLATFORM, TENANT]) {
  describe(`planApproval with two identities: hostile CSRs for ${labelOf(id)}`, () => {
    it.each(hostileRows(id))('%s', async (_sentence, row, expected) => expectDenied(row, expected));
  });
}

describe('planApproval with two identities: one identity never passes for the other', () => {
  it.each<[string, CsrRow, string[]]>([
    ["if the platform CN carries the tenant's group (a CSR for A with B's O), deny", { subject: [cn(PLATFORM.username), o(TENANT.groups[0]!)] }, ['subject-organization', 'subject-rdn-count']],
    ["if the tenant CN comes without the tenant's group (B dressed as A), deny", { subject: [cn(TENANT.username)] }, ['subject-organization', 'subject-rdn-count']],
    ['if the subject names both identities as two CNs, deny', { subject: [cn(TENANT.username), o(TENANT.groups[0]!), cn(PLATFORM.username)] }, ['subject-common-name', 'subject-organization', 'subject-rdn-count', 'subject-several-identities']],
    ['if the subject names both identities in one multi-valued RDN, deny', { subject: [[{ type: 'CN', value: PLATFORM.username }, { type: 'CN', value: TENANT.username }]] }, ['subject-common-name', 'subject-multi-valued-rdn', 'subject-organization', 'subject-rdn-count', 'subject-several-identities']],
    ['if the CN is an identity absent from the set, deny', { subject: [cn(ABSENT)] }, ['subject-identity-unknown']],
    ["if an absent identity borrows the tenant's group, deny", { subject: [cn(ABSENT), o(TENANT.groups[0]!)] }, ['subject-identity-unknown']],
    ["if another requester asks for the tenant's subject, deny", { subject: subjectOf(TENANT), username: 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload', groups: ['system:serviceaccounts', 'system:serviceaccounts:monitoring-user-workload', 'system:authenticated'] }, ['requester-groups', 'requester-username', 'subject-common-name-is-requester']],
  ])('%s', async (_sentence, row, expected) => expectDenied(row, expected));

  it('the Denied message for an absent identity says it is not configured and names the set', async () => {
    const p = await plan({ subject: [cn(ABSENT)] });
    expect(p.action).toBe('deny');
    if (p.action !== 'deny') return;
    expect(p.condition.message).toContain(`["${ABSENT}"] name no configured identity`);
    expect(p.condition.message).toContain(JSON.stringify([PLATFORM.username, TENANT.username]));
  });

  it('if another requester names an absent identity, leave it alone (not ours)', async () => {
    expect(await plan({ subject: [cn(ABSENT)], username: 'system:node:n1', groups: ['system:nodes'] })).toMatchObject({ action: 'skip', category: 'out-of-scope' });
  });

  it.each<[string, ScraperIdentity, ScraperIdentity]>([
    ["if a CSR for the platform identity is labelled and annotated for the tenant (submitted for B's Secret), the decision is the platform subject's, unchanged", PLATFORM, TENANT],
    ['if a CSR for the tenant identity is labelled and annotated for the platform, the decision is the tenant subject\'s, unchanged', TENANT, PLATFORM],
  ])('%s', async (_sentence, subjectId, claimed) => {
    // The label is a filtering hint; what the signer issues is the subject, and the operator only installs a
    // certificate whose subject is the identity of the Secret it writes. So the approver decides on the subject alone.
    const claims = { labels: { [CSR_SUBJECT_LABEL]: labelOf(claimed) }, annotations: { 'certscrape.io/identity': claimed.username } };
    const plain = await plan({ subject: subjectOf(subjectId) });
    const labelled = await plan({ subject: subjectOf(subjectId), ...claims });
    expect(labelled.action).toBe(plain.action);
    const hostile = await plan({ subject: [cn(subjectId.username), ...claimed.groups.map(o)], ...claims });
    const hostilePlain = await plan({ subject: [cn(subjectId.username), ...claimed.groups.map(o)] });
    expect(rules(hostile)).toEqual(rules(hostilePlain));
  });
});

describe('planApproval with two identities on generated CSRs', () => {
  const runs = 100 * Number(process.env.CERTSCRAPE_FUZZ_RUNS ?? '1');
  const seed = Number(process.env.CERTSCRAPE_FUZZ_SEED ?? Date.now() % 1_000_000);
  const attr = fc.constantFrom(
    { type: 'CN', value: PLATFORM.username },
    { type: 'CN', value: TENANT.username },
    { type: 'CN', value: ABSENT },
    { type: 'CN', value: `${TENANT.username}\u200b` },
    { type: 'O', value: TENANT.groups[0]! },
    { type: 'O', value: 'system:masters' },
    { type: 'OU', value: 'ops' },
  );
  const rowArb = fc.record({
    subject: fc.array(fc.array(attr, { minLength: 1, maxLength: 2 }), { minLength: 0, maxLength: 3 }),
    requester: fc.constantFrom('operator', 'operator', 'tenant-sa', 'admin'),
    claimed: fc.constantFrom(undefined, PLATFORM, TENANT, ABSENT),
    san: fc.boolean(),
  });
  const isExactly = (subject: NameInput, id: ScraperIdentity) =>
    subject.length === 1 + id.groups.length && subject.every((rdn) => rdn.length === 1) && subject[0]![0]!.type === 'CN' && subject[0]![0]!.value === id.username &&
    subject.slice(1).every((rdn) => rdn[0]!.type === 'O') && JSON.stringify(subject.slice(1).map((rdn) => rdn[0]!.value).sort()) === JSON.stringify([...id.groups].sort());

  it(`${runs} CSRs: approved exactly when the operator asks for exactly one configured identity without extras, whatever the label claims (seed ${seed})`, async () => {
    await fc.assert(
      fc.asyncProperty(rowArb, async (r) => {
        const requester =
          r.requester === 'operator' ? {} : r.requester === 'admin' ? { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] } : { username: TENANT.username, groups: ['system:serviceaccounts', 'system:authenticated'] };
        const claims = r.claimed === undefined ? {} : { labels: { [CSR_SUBJECT_LABEL]: labelOf(r.claimed) }, annotations: { 'certscrape.io/identity': typeof r.claimed === 'string' ? r.claimed : r.claimed.username } };
        const p = await plan({ subject: r.subject, ...requester, ...claims, ...(r.san ? { extensions: san({ type: 'dns', value: 'x.example' }) } : {}) });
        const want = r.requester === 'operator' && !r.san && (isExactly(r.subject, PLATFORM) || isExactly(r.subject, TENANT));
        expect(p.action === 'approve').toBe(want);
        const names = r.subject.flat().filter((a) => a.type === 'CN').map((a) => a.value);
        if (names.includes(PLATFORM.username) && names.includes(TENANT.username)) expect(rules(p)).toContain('subject-several-identities');
      }),
      { numRuns: runs, seed },
    );
  }, 120_000);
});
