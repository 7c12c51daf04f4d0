import { describe, expect, it, beforeAll } from 'vitest';
import { createCsrPolicy, serviceAccountUser } from '@certscrape/identity';
import type { CsrPolicy } from '@certscrape/identity';
import { basicConstraintsExtension, EKU, extendedKeyUsageExtension, keyUsageExtension, subjectAltNameExtension } from '@certscrape/pkcs';
import type { GeneralName } from '@certscrape/pkcs';
import { APPROVED_REASON, DENIED_REASON, planApproval, withCondition } from './decide.js';
import type { ApprovalPlan } from './decide.js';
import { cn, csrObject, IDENTITY, OPERATOR } from './testing/csr-object.js';
import type { CsrRow as Row } from './testing/csr-object.js';

const NOW = new Date('2026-01-02T03:04:05Z');
const policy: CsrPolicy = createCsrPolicy({ maxExpirationSeconds: 86_400 });

const plan = async (row: Row): Promise<ApprovalPlan> => planApproval(await csrObject(row), policy, NOW);
const rules = (p: ApprovalPlan) => (p.action === 'deny' ? [...new Set(p.violations.map((v) => v.rule))].sort() : []);
const san = (...names: GeneralName[]) => [subjectAltNameExtension(names)];

// One row per policy rule, accept and reject. Keyed by the sentence it proves.
const approveRows: [string, Row][] = [
  ['if the operator requests CN=<identity> with an ECDSA P-256 key and usages {digital signature, client auth}, approve', {}],
  ['if the key is ECDSA P-384, approve', { keySpec: { kind: 'ecdsa', curve: 'P-384' } }],
  ['if the key is RSA-2048 and key encipherment is requested too, approve', { keySpec: { kind: 'rsa', bits: 2048 }, usages: ['digital signature', 'key encipherment', 'client auth'] }],
  ['if the only usage is client auth, approve', { usages: ['client auth'] }],
  ['if expirationSeconds is the 600 s floor, approve', { expirationSeconds: 600 }],
  ['if expirationSeconds equals --max-expiration-seconds, approve', { expirationSeconds: 86_400 }],
  ['if the request carries a harmless basicConstraints CA:FALSE, approve', { extensions: [basicConstraintsExtension(false)] }],
  ['if the groups are the operator set in another order, approve', { groups: [...OPERATOR.groups].reverse() }],
];

const denyRows: [string, Row, string[]][] = [
  ['if the CSR carries a DNS SAN, deny', { extensions: san({ type: 'dns', value: 'evil.example.com' }) }, ['extension-subject-alt-name']],
  ['if the CSR carries an IP SAN, deny', { extensions: san({ type: 'ip', value: '127.0.0.1' }) }, ['extension-subject-alt-name']],
  ['if the CSR carries an email SAN, deny', { extensions: san({ type: 'email', value: 'root@example.com' }) }, ['extension-subject-alt-name']],
  ['if the CSR carries a URI SAN, deny', { extensions: san({ type: 'uri', value: 'spiffe://cluster/ns/kube-system/sa/admin' }) }, ['extension-subject-alt-name']],
  ['if the CSR carries an otherName SAN (UPN), deny', { extensions: san({ type: 'otherName', value: '1.3.6.1.4.1.311.20.2.3:admin@example.com' }) }, ['extension-subject-alt-name']],
  ['if the CSR carries a directoryName SAN, deny', { extensions: san({ type: 'directoryName', value: 'CN=system:admin,O=system:masters' }) }, ['extension-subject-alt-name']],
  ['if the CSR carries a registeredID SAN, deny', { extensions: san({ type: 'registeredId', value: '1.2.3.4' }) }, ['extension-subject-alt-name']],
  ['if the CSR carries an x400Address SAN, deny', { extensions: san({ type: 'x400Address', value: '#3000' }) }, ['extension-subject-alt-name']],
  ['if the CSR carries an ediPartyName SAN, deny', { extensions: san({ type: 'ediPartyName', value: '#3000' }) }, ['extension-subject-alt-name']],
  ['if the subject adds O=system:masters, deny', { subject: [[{ type: 'CN', value: IDENTITY }], [{ type: 'O', value: 'system:masters' }]] }, ['subject-organization', 'subject-rdn-count']],
  ['if the subject adds any O, deny', { subject: [[{ type: 'CN', value: IDENTITY }], [{ type: 'O', value: 'monitoring' }]] }, ['subject-organization', 'subject-rdn-count']],
  ['if the subject adds an OU, deny', { subject: [[{ type: 'CN', value: IDENTITY }], [{ type: 'OU', value: 'ops' }]] }, ['subject-attribute', 'subject-rdn-count']],
  ['if the subject repeats the CN (identity first), deny', { subject: [[{ type: 'CN', value: IDENTITY }], [{ type: 'CN', value: 'system:admin' }]] }, ['subject-common-name', 'subject-rdn-count']],
  ['if the subject repeats the CN (identity last), deny', { subject: [[{ type: 'CN', value: 'system:admin' }], [{ type: 'CN', value: IDENTITY }]] }, ['subject-common-name', 'subject-rdn-count']],
  // DER sorts the SET: the shorter O=system:masters sorts before the CN, so the CN is not first either.
  ['if the subject is one multi-valued RDN CN+O, deny', { subject: [[{ type: 'CN', value: IDENTITY }, { type: 'O', value: 'system:masters' }]] }, ['subject-common-name', 'subject-multi-valued-rdn', 'subject-organization']],
  ['if the CN names another user, deny', { subject: cn('system:serviceaccount:kube-system:admin') }, ['subject-common-name']],
  ['if the CN has a trailing space, deny', { subject: cn(`${IDENTITY} `) }, ['subject-common-name']],
  ['if the CN is the requester itself, deny', { subject: cn(OPERATOR.username) }, ['subject-common-name', 'subject-common-name-is-requester']],
  ['if the subject is empty, deny', { subject: [] }, ['subject-common-name', 'subject-rdn-count']],
  ['if basicConstraints requests a CA, deny', { extensions: [basicConstraintsExtension(true)] }, ['extension-ca']],
  ['if a keyUsage extension is requested (keyCertSign), deny', { extensions: [keyUsageExtension(['digitalSignature', 'keyCertSign'])] }, ['extension-not-allowed']],
  ['if an extendedKeyUsage extension is requested (serverAuth), deny', { extensions: [extendedKeyUsageExtension([EKU.serverAuth])] }, ['extension-not-allowed']],
  ['if spec.usages asks for server auth, deny', { usages: ['digital signature', 'client auth', 'server auth'] }, ['usage-not-allowed']],
  ['if spec.usages asks for cert sign, deny', { usages: ['cert sign', 'client auth'] }, ['usage-not-allowed']],
  ['if spec.usages lacks client auth, deny', { usages: ['digital signature', 'key encipherment'] }, ['usage-required']],
  ['if spec.usages is missing, deny', { usages: null }, ['usages-missing']],
  ['if expirationSeconds is below 600, deny', { expirationSeconds: 599 }, ['expiration-out-of-range']],
  ['if expirationSeconds is above --max-expiration-seconds, deny', { expirationSeconds: 86_401 }, ['expiration-out-of-range']],
  ['if the key is RSA-1024, deny', { keySpec: { kind: 'rsa', bits: 1024 } }, ['key-too-weak']],
  ['if the signature does not verify, deny', { tamper: 'signature' }, ['signature-invalid']],
  ['if the operator sends a request that does not parse, deny', { tamper: 'garbage' }, ['request-unparseable']],
  ['if the operator username comes with an extra group (system:masters), deny', { groups: [...OPERATOR.groups, 'system:masters'] }, ['requester-groups']],
  ['if the operator username comes with a group missing, deny', { groups: OPERATOR.groups.slice(0, 2) }, ['requester-groups']],
  ['if the operator username comes with different groups, deny', { groups: ['system:authenticated', 'system:serviceaccounts', 'system:serviceaccounts:kube-system'] }, ['requester-groups']],
  ['if an admin requests the scraper identity, deny', { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }, ['requester-groups', 'requester-username']],
  ['if another service account requests the scraper identity, deny', { username: 'system:serviceaccount:monitoring:other', groups: serviceAccountUser({ namespace: 'monitoring', name: 'other' }).groups }, ['requester-username']],
  [
    'if the same service-account name in another namespace requests the scraper identity, deny',
    { username: 'system:serviceaccount:default:monitoring-operator', groups: serviceAccountUser({ namespace: 'default', name: 'monitoring-operator' }).groups },
    ['requester-groups', 'requester-username'],
  ],
];

const skipRows: [string, Row, string][] = [
  ['if the signer is kube-apiserver-client-kubelet, leave it alone', { signerName: 'kubernetes.io/kube-apiserver-client-kubelet' }, 'other-signer'],
  ['if the signer is kubelet-serving, leave it alone even with SANs', { signerName: 'kubernetes.io/kubelet-serving', extensions: san({ type: 'dns', value: 'node1' }) }, 'other-signer'],
  ['if the signer is a third-party one, leave it alone', { signerName: 'example.com/anything' }, 'other-signer'],
  ['if another requester asks for a name that is not the scraper identity, leave it alone', { username: 'system:node:node1', groups: ['system:nodes'], subject: cn('system:node:node1') }, 'out-of-scope'],
  ['if another requester sends garbage, leave it alone', { username: 'alice', groups: ['system:authenticated'], tamper: 'garbage' }, 'out-of-scope'],
  ['if the CSR is already Approved, leave it alone', { conditions: [{ type: 'Approved', status: 'True' }] }, 'terminal'],
  ['if the CSR is already Denied, leave it alone (even when it would pass)', { conditions: [{ type: 'Denied', status: 'True' }] }, 'terminal'],
  ['if the CSR already Failed, leave it alone', { conditions: [{ type: 'Failed', status: 'True' }] }, 'terminal'],
];

describe('planApproval (decide, no Kubernetes)', () => {
  it.each(approveRows)('%s', async (_sentence, row) => {
    const p = await plan(row);
    expect(p.action, JSON.stringify(p.action === 'deny' ? p.violations : p)).toBe('approve');
    if (p.action !== 'approve') return;
    expect(p.condition).toMatchObject({ type: 'Approved', status: 'True', reason: APPROVED_REASON });
    expect(p.body.status?.conditions).toHaveLength(1);
  });

  it.each(denyRows)('%s', async (_sentence, row, expected) => {
    const p = await plan(row);
    expect(p.action).toBe('deny');
    expect(rules(p)).toEqual(expected);
    if (p.action !== 'deny') return;
    expect(p.condition).toMatchObject({ type: 'Denied', status: 'True', reason: DENIED_REASON });
    for (const v of p.violations) expect(p.condition.message).toContain(`[${v.rule}]`);
    expect(p.body.status?.conditions?.map((c) => c.type)).toEqual(['Denied']);
  });

  it.each(skipRows)('%s', async (_sentence, row, category) => {
    const p = await plan(row);
    expect(p).toMatchObject({ action: 'skip', category });
  });

  it('if several rules fail, the Denied message lists every violation', async () => {
    const p = await plan({
      subject: [[{ type: 'CN', value: IDENTITY }], [{ type: 'O', value: 'system:masters' }]],
      extensions: san({ type: 'dns', value: 'kubernetes.default' }),
      usages: ['server auth'],
      expirationSeconds: 10,
      groups: [...OPERATOR.groups, 'system:masters'],
    });
    expect(rules(p)).toEqual(['expiration-out-of-range', 'extension-subject-alt-name', 'requester-groups', 'subject-organization', 'subject-rdn-count', 'usage-not-allowed', 'usage-required']);
    if (p.action !== 'deny') return;
    expect(p.condition.message).toMatch(/^certscrape-csr-approver: \d+ policy violation\(s\): /);
    for (const v of p.violations) expect(p.condition.message).toContain(v.message);
  });

  it('never puts key material into a condition message', async () => {
    const p = await plan({ extensions: san({ type: 'dns', value: 'x' }) });
    expect(JSON.stringify(p.action === 'deny' ? p.condition : {})).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE REQUEST/);
  });
});

describe('withCondition (apply body)', () => {
  it('appends exactly one condition and keeps the resourceVersion for optimistic concurrency', async () => {
    const obj = await csrObject({});
    const body = withCondition({ ...obj, status: { conditions: [{ type: 'Other', status: 'True' }] } }, { type: 'Approved', status: 'True', reason: 'r', message: 'm' });
    expect(body.metadata?.resourceVersion).toBe('42');
    expect(body.status?.conditions?.map((c) => c.type)).toEqual(['Other', 'Approved']);
    expect(obj.status?.conditions).toBeUndefined();
  });
});

describe('policy tables stay complete', () => {
  let seen: Set<string>;
  beforeAll(async () => {
    seen = new Set<string>();
    for (const [, row] of denyRows) for (const r of rules(await plan(row))) seen.add(r);
  });
  it('every rule the approver can report has at least one deny row', () => {
    const reachable = [
      'requester-username', 'requester-groups', 'request-unparseable', 'signature-invalid', 'subject-rdn-count', 'subject-multi-valued-rdn',
      'subject-attribute', 'subject-common-name', 'subject-common-name-is-requester', 'subject-organization', 'extension-subject-alt-name',
      'extension-ca', 'extension-not-allowed', 'usages-missing', 'usage-not-allowed', 'usage-required', 'expiration-out-of-range', 'key-too-weak',
    ];
    expect(reachable.filter((r) => !seen.has(r))).toEqual([]);
  });
});
