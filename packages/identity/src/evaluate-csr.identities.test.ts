// evaluateCsr with a set of two identities: a CSR is approved only when its subject is exactly one of
// them, a subject mixing or naming both is denied, and one naming neither is denied for that reason.
// Tables keyed by sentences; then generated subjects (pure). The differential against Go with two
// identities is in evaluate-csr.names.test.ts, beside the single-identity one.
import { createTestCsr } from '@certscrape/pkcs/testing';
import type { NameInput } from '@certscrape/pkcs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCsrPolicy } from './csr-policy.js';
import type { CsrView } from './csr-view.js';
import { evaluateCsr, type CsrDecision } from './evaluate-csr.js';
import type { ScraperIdentity } from './scraper-identity.js';
import type { RuleCode } from './violation.js';

const PLATFORM: ScraperIdentity = { username: 'system:serviceaccount:monitoring:prometheus-k8s', groups: [] };
const TENANT: ScraperIdentity = { username: 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload', groups: ['certscrape:user-workload'] };
const policy = createCsrPolicy({ scraperIdentities: [PLATFORM, TENANT] });
const OPERATOR = policy.requester;
const OTHER = { username: 'system:serviceaccount:default:someone', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] };

const cn = (value: string) => [{ type: 'CN', value }];
const o = (value: string) => [{ type: 'O', value }];
const subjectOf = (id: ScraperIdentity): NameInput => [cn(id.username), ...id.groups.map(o)];

async function view(subject: NameInput | Uint8Array, spec: Partial<CsrView> = {}): Promise<CsrView> {
  const { pem } = await createTestCsr({ subject });
  return viewOfPem(pem, spec);
}
function viewOfPem(pem: string, spec: Partial<CsrView> = {}): CsrView {
  return { name: 'csr-1', signerName: policy.signerName, username: OPERATOR.username, groups: OPERATOR.groups, usages: ['digital signature', 'client auth'], expirationSeconds: undefined, request: pem, conditions: [], ...spec };
}
const rules = (d: CsrDecision): RuleCode[] => (d.result === 'deny' ? [...new Set(d.violations.map((v) => v.rule))].sort() : []);
const messages = (d: CsrDecision): string => (d.result === 'deny' ? d.violations.map((v) => v.message).join('; ') : '');

describe('evaluateCsr with two identities: approve exactly one of them', () => {
  it.each<[string, NameInput]>([
    ['if the operator asks for exactly the platform identity (no O), approve', subjectOf(PLATFORM)],
    ['if the operator asks for exactly the tenant identity (CN + its one O), approve', subjectOf(TENANT)],
  ])('%s', async (_sentence, subject) => {
    expect(await evaluateCsr(await view(subject), policy)).toEqual({ result: 'approve' });
  });
});

describe('evaluateCsr with two identities: deny what mixes, doubles or misses them', () => {
  it.each<[string, NameInput, Partial<CsrView>, RuleCode[]]>([
    ["if the platform CN carries the tenant's O (A's CN, B's group), deny", [cn(PLATFORM.username), o(TENANT.groups[0]!)], {}, ['subject-organization', 'subject-rdn-count']],
    ['if the tenant CN comes without its O, deny', [cn(TENANT.username)], {}, ['subject-organization', 'subject-rdn-count']],
    ['if the tenant CN carries its O twice, deny', [cn(TENANT.username), o(TENANT.groups[0]!), o(TENANT.groups[0]!)], {}, ['subject-organization', 'subject-rdn-count']],
    ['if the tenant CN adds O=system:masters, deny', [...subjectOf(TENANT), o('system:masters')], {}, ['subject-organization', 'subject-rdn-count']],
    // Judged against the identity Go reads (the last CN: the tenant), which lacks its O here.
    ['if the subject names both identities as two CNs (platform first), deny', [cn(PLATFORM.username), cn(TENANT.username)], {}, ['subject-common-name', 'subject-organization', 'subject-several-identities']],
    ['if the subject names both identities as two CNs (tenant first, with its O), deny', [cn(TENANT.username), o(TENANT.groups[0]!), cn(PLATFORM.username)], {}, ['subject-common-name', 'subject-organization', 'subject-rdn-count', 'subject-several-identities']],
    ['if the subject names both identities in one multi-valued RDN, deny', [[{ type: 'CN', value: PLATFORM.username }, { type: 'CN', value: TENANT.username }]], {}, ['subject-common-name', 'subject-multi-valued-rdn', 'subject-organization', 'subject-rdn-count', 'subject-several-identities']],
    ['if the CN names an identity absent from the set, deny as unknown', [cn('system:serviceaccount:kube-system:admin')], {}, ['subject-identity-unknown']],
    ["if an absent identity carries the tenant's O, deny as unknown", [cn('system:serviceaccount:tenant-b:prometheus'), o(TENANT.groups[0]!)], {}, ['subject-identity-unknown']],
    ['if the subject is empty, deny as unknown', [], {}, ['subject-identity-unknown']],
    ['if the CN is the platform identity with a trailing space, deny as unknown', [cn(`${PLATFORM.username} `)], {}, ['subject-identity-unknown']],
    ['if the CN is the tenant identity prefixed by U+FEFF, deny as unknown and name the character', [cn(`\ufeff${TENANT.username}`), o(TENANT.groups[0]!)], {}, ['subject-character', 'subject-identity-unknown']],
    ['if the CN is the platform identity followed by U+200B, deny as unknown and name the character', [cn(`${PLATFORM.username}\u200b`)], {}, ['subject-character', 'subject-identity-unknown']],
    ["if the tenant's O carries U+0000, deny naming the character", [cn(TENANT.username), o(`${TENANT.groups[0]!}\u0000`)], {}, ['subject-character', 'subject-organization']],
    ['if the tenant identity adds an OU, deny', [...subjectOf(TENANT), [{ type: 'OU', value: 'x' }]], {}, ['subject-attribute', 'subject-rdn-count']],
    ['if another requester asks for the tenant identity, deny', subjectOf(TENANT), OTHER, ['requester-groups', 'requester-username']],
    ['if another requester asks for the platform identity, deny', subjectOf(PLATFORM), OTHER, ['requester-groups', 'requester-username']],
    ['if another requester asks for a subject naming both, deny', [cn(TENANT.username), cn(PLATFORM.username)], OTHER, ['requester-groups', 'requester-username', 'subject-common-name', 'subject-rdn-count', 'subject-several-identities']],
    ['if the CN is the requester itself, deny', [cn(OPERATOR.username)], {}, ['subject-common-name-is-requester', 'subject-identity-unknown']],
  ])('%s', async (_sentence, subject, spec, expected) => {
    const decision = await evaluateCsr(await view(subject, spec), policy);
    expect(decision.result).toBe('deny');
    expect(rules(decision)).toEqual([...expected].sort());
  });

  it('an absent identity is denied with a reason that names it and the configured set', async () => {
    const decision = await evaluateCsr(await view([cn('system:serviceaccount:tenant-b:prometheus')]), policy);
    expect(messages(decision)).toContain('"system:serviceaccount:tenant-b:prometheus"');
    expect(messages(decision)).toContain('name no configured identity');
    for (const id of [PLATFORM, TENANT]) expect(messages(decision)).toContain(JSON.stringify(id.username));
  });

  it('a subject naming both is denied with a reason that names both', async () => {
    const decision = await evaluateCsr(await view([cn(PLATFORM.username), cn(TENANT.username)]), policy);
    expect(messages(decision)).toMatch(/names 2 configured identities/);
  });

  it('if another requester names an identity absent from the set, ignore (not ours)', async () => {
    expect((await evaluateCsr(await view([cn('system:node:worker-1')], OTHER), policy)).result).toBe('ignore');
  });
});

describe('evaluateCsr with two identities on generated subjects (pure)', () => {
  // Subjects assembled from the parts an attacker has: each identity's CN, each group, a stranger, system:masters.
  const part = fc.constantFrom(
    { type: 'CN', value: PLATFORM.username },
    { type: 'CN', value: TENANT.username },
    { type: 'CN', value: 'system:serviceaccount:tenant-b:prometheus' },
    { type: 'O', value: TENANT.groups[0]! },
    { type: 'O', value: 'system:masters' },
    { type: 'O', value: 'certscrape:other' },
  );
  const subjectArb = fc.array(fc.array(part, { minLength: 1, maxLength: 2 }), { minLength: 0, maxLength: 4 });
  // The model: CN=<username> first, then exactly the identity's groups as single-valued O RDNs, in any order.
  const exactly = (subject: NameInput, id: ScraperIdentity) =>
    subject.length === 1 + id.groups.length &&
    subject.every((rdn) => rdn.length === 1) &&
    subject[0]![0]!.type === 'CN' && subject[0]![0]!.value === id.username &&
    subject.slice(1).every((rdn) => rdn[0]!.type === 'O') &&
    JSON.stringify(subject.slice(1).map((rdn) => rdn[0]!.value).sort()) === JSON.stringify([...id.groups].sort());
  const runs = 200 * Number(process.env.CERTSCRAPE_FUZZ_RUNS ?? '1');
  const seed = Number(process.env.CERTSCRAPE_FUZZ_SEED ?? Date.now() % 1_000_000);

  it(`${runs} subjects: approved exactly when the subject is one configured identity; another requester is never approved (seed ${seed})`, async () => {
    await fc.assert(
      fc.asyncProperty(subjectArb, async (subject) => {
        const fromOperator = await evaluateCsr(await view(subject), policy);
        const fromOther = await evaluateCsr(await view(subject, OTHER), policy);
        const want = exactly(subject, PLATFORM) || exactly(subject, TENANT);
        expect(fromOperator.result).toBe(want ? 'approve' : 'deny');
        expect(fromOther.result).not.toBe('approve');
        const cns = subject.flat().filter((a) => a.type === 'CN').map((a) => a.value);
        if (cns.includes(PLATFORM.username) && cns.includes(TENANT.username)) expect(rules(fromOperator)).toContain('subject-several-identities');
      }),
      { numRuns: runs, seed },
    );
  }, 120_000);
});
