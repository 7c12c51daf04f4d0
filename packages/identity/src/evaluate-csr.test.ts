import {
  EKU,
  basicConstraintsExtension,
  extendedKeyUsageExtension,
  generateKeyPair,
  keyUsageExtension,
  subjectAltNameExtension,
  type ExtensionInput,
  type KeyPair,
  type NameInput,
} from '@certscrape/pkcs';
import { createTestCsr } from '@certscrape/pkcs/testing';
import { describe, expect, it } from 'vitest';
import { createCsrPolicy } from './csr-policy.js';
import type { CsrView } from './csr-view.js';
import { csrViewFromObject } from './csr-view.js';
import { evaluateCsr, type CsrDecision } from './evaluate-csr.js';
import type { RuleCode } from './violation.js';

const policy = createCsrPolicy();
const ID = policy.identity.username;
const OPERATOR = policy.requester;
const cn = (v: string) => [{ type: 'CN', value: v }];

async function view(opts: { subject?: NameInput; extensions?: ExtensionInput[]; keys?: KeyPair; spec?: Partial<CsrView> } = {}): Promise<CsrView> {
  const { pem } = await createTestCsr({ subject: opts.subject ?? [cn(ID)], ...(opts.extensions ? { extensions: opts.extensions } : {}), ...(opts.keys ? { keys: opts.keys } : {}) });
  return {
    name: 'csr-1',
    signerName: policy.signerName,
    username: OPERATOR.username,
    groups: OPERATOR.groups,
    usages: ['digital signature', 'client auth'],
    expirationSeconds: undefined,
    request: pem,
    conditions: [],
    ...opts.spec,
  };
}

const rules = (d: CsrDecision): RuleCode[] => (d.result === 'deny' ? [...new Set(d.violations.map((v) => v.rule))] : []);

async function rsa1024(): Promise<KeyPair> {
  const pair = (await globalThis.crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  return { spec: { kind: 'rsa', bits: 1024 }, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

describe('evaluateCsr: approve', () => {
  it.each<[string, () => Promise<CsrView>]>([
    ['if an ECDSA P-256 request from the operator names exactly the identity, approve', () => view()],
    ['if the key is ECDSA P-384, approve', async () => view({ keys: await generateKeyPair({ kind: 'ecdsa', curve: 'P-384' }) })],
    ['if the key is RSA-2048 and key encipherment is requested, approve', async () => view({ keys: await generateKeyPair({ kind: 'rsa', bits: 2048 }), spec: { usages: ['digital signature', 'key encipherment', 'client auth'] } })],
    ['if only client auth is requested, approve', () => view({ spec: { usages: ['client auth'] } })],
    ['if expirationSeconds is exactly 600, approve', () => view({ spec: { expirationSeconds: 600 } })],
    ['if expirationSeconds is exactly the maximum, approve', () => view({ spec: { expirationSeconds: policy.expirationSeconds.max } })],
    ['if the request carries basicConstraints CA:FALSE (harmless), approve', () => view({ extensions: [basicConstraintsExtension(false)] })],
    ['if the requester groups come in another order, approve', () => view({ spec: { groups: [...OPERATOR.groups].reverse() } })],
  ])('%s', async (_sentence, make) => {
    expect(await evaluateCsr(await make(), policy)).toEqual({ result: 'approve' });
  });
});

describe('evaluateCsr: deny, naming the rule', () => {
  it.each<[string, () => Promise<CsrView>, RuleCode[]]>([
    ['if another requester asks for the identity, deny', () => view({ spec: { username: 'system:serviceaccount:default:sneaky', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] } }), ['requester-username', 'requester-groups']],
    ['if the operator SA name comes from another namespace, deny', () => view({ spec: { username: 'system:serviceaccount:other:monitoring-operator' } }), ['requester-username']],
    ['if the right username carries an extra group, deny', () => view({ spec: { groups: [...OPERATOR.groups, 'system:masters'] } }), ['requester-groups']],
    ['if the right username lacks a group, deny', () => view({ spec: { groups: OPERATOR.groups.slice(1) } }), ['requester-groups']],
    ['if the right username repeats a group, deny', () => view({ spec: { groups: [...OPERATOR.groups, OPERATOR.groups[0]!] } }), ['requester-groups']],
    ['if groups are missing altogether, deny', () => view({ spec: { groups: undefined } }), ['requester-groups']],
    ['if the subject adds O=system:masters, deny', () => view({ subject: [cn(ID), [{ type: 'O', value: 'system:masters' }]] }), ['subject-rdn-count', 'subject-organization']],
    ['if the subject adds an OU, deny', () => view({ subject: [cn(ID), [{ type: 'OU', value: 'x' }]] }), ['subject-rdn-count', 'subject-attribute']],
    ['if the subject repeats the CN with the identity first, deny', () => view({ subject: [cn(ID), cn('admin')] }), ['subject-rdn-count', 'subject-common-name']],
    ['if the subject repeats the CN with the identity last, deny', () => view({ subject: [cn('admin'), cn(ID)] }), ['subject-rdn-count', 'subject-common-name']],
    ['if the subject has a multi-valued RDN CN+O, deny', () => view({ subject: [[{ type: 'CN', value: ID }, { type: 'O', value: 'system:masters' }]] }), ['subject-multi-valued-rdn', 'subject-organization', 'subject-common-name']],
    ['if the CN is another user, deny', () => view({ subject: [cn('system:serviceaccount:kube-system:admin')] }), ['subject-common-name']],
    ['if the CN has a trailing space, deny', () => view({ subject: [cn(`${ID} `)] }), ['subject-common-name']],
    ['if the CN differs only in case, deny', () => view({ subject: [cn(ID.toUpperCase())] }), ['subject-common-name']],
    ['if the CN is the requester itself, deny', () => view({ subject: [cn(OPERATOR.username)] }), ['subject-common-name', 'subject-common-name-is-requester']],
    ['if the subject is empty, deny', () => view({ subject: [] }), ['subject-rdn-count', 'subject-common-name']],
    ['if a DNS SAN is requested, deny', () => view({ extensions: [subjectAltNameExtension([{ type: 'dns', value: 'kubernetes.default' }])] }), ['extension-subject-alt-name']],
    ['if an IP SAN is requested, deny', () => view({ extensions: [subjectAltNameExtension([{ type: 'ip', value: '10.0.0.1' }])] }), ['extension-subject-alt-name']],
    ['if an email SAN is requested, deny', () => view({ extensions: [subjectAltNameExtension([{ type: 'email', value: 'a@b.c' }])] }), ['extension-subject-alt-name']],
    ['if a URI SAN is requested, deny', () => view({ extensions: [subjectAltNameExtension([{ type: 'uri', value: 'spiffe://x/y' }])] }), ['extension-subject-alt-name']],
    ['if two SAN extensions are requested, deny both', () => view({ extensions: [subjectAltNameExtension([{ type: 'dns', value: 'a' }]), subjectAltNameExtension([{ type: 'dns', value: 'b' }])] }), ['extension-subject-alt-name']],
    ['if basicConstraints CA:TRUE is requested, deny', () => view({ extensions: [basicConstraintsExtension(true)] }), ['extension-ca']],
    ['if a keyUsage extension is requested, deny', () => view({ extensions: [keyUsageExtension(['keyCertSign'])] }), ['extension-not-allowed']],
    ['if an EKU extension is requested, deny', () => view({ extensions: [extendedKeyUsageExtension([EKU.serverAuth])] }), ['extension-not-allowed']],
    ['if an unknown extension is requested, deny', () => view({ extensions: [{ oid: '1.2.3.4.5', value: new Uint8Array([5, 0]) }] }), ['extension-not-allowed']],
    ['if server auth is requested, deny', () => view({ spec: { usages: ['digital signature', 'client auth', 'server auth'] } }), ['usage-not-allowed']],
    ['if cert sign is requested, deny', () => view({ spec: { usages: ['client auth', 'cert sign'] } }), ['usage-not-allowed']],
    ['if client auth is missing, deny', () => view({ spec: { usages: ['digital signature', 'key encipherment'] } }), ['usage-required']],
    ['if no usages are given, deny', () => view({ spec: { usages: [] } }), ['usages-missing']],
    ['if expirationSeconds is 599, deny', () => view({ spec: { expirationSeconds: 599 } }), ['expiration-out-of-range']],
    ['if expirationSeconds exceeds the maximum, deny', () => view({ spec: { expirationSeconds: policy.expirationSeconds.max + 1 } }), ['expiration-out-of-range']],
    ['if the key is RSA-1024, deny', async () => view({ keys: await rsa1024(), spec: { usages: ['digital signature', 'key encipherment', 'client auth'] } }), ['key-too-weak']],
    ['if the request from the operator does not parse, deny', () => view({ spec: { request: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' } }), ['request-unparseable']],
  ])('%s', async (_sentence, make, expected) => {
    const decision = await evaluateCsr(await make(), policy);
    expect(decision.result).toBe('deny');
    expect(rules(decision).sort()).toEqual([...expected].sort());
  });

  it('if the signature was tampered with, deny', async () => {
    const v = await view();
    const lines = v.request.trim().split('\n');
    // Flip a character in the last body line (inside the signature BIT STRING).
    const i = lines.length - 2;
    const line = lines[i]!;
    const pos = Math.max(0, line.length - 6);
    lines[i] = line.slice(0, pos) + (line[pos] === 'A' ? 'B' : 'A') + line.slice(pos + 1);
    const decision = await evaluateCsr({ ...v, request: lines.join('\n') + '\n' }, policy);
    expect(decision.result).toBe('deny');
    expect(rules(decision)).toContain('signature-invalid');
  });

  it('lists every violation at once, not only the first', async () => {
    const v = await view({ subject: [cn('admin'), [{ type: 'O', value: 'system:masters' }]], extensions: [subjectAltNameExtension([{ type: 'dns', value: 'x' }])], spec: { usages: ['server auth'], expirationSeconds: 1 } });
    const decision = await evaluateCsr(v, policy);
    expect(rules(decision)).toEqual(
      expect.arrayContaining(['subject-rdn-count', 'subject-common-name', 'subject-organization', 'extension-subject-alt-name', 'usage-not-allowed', 'usage-required', 'expiration-out-of-range']),
    );
  });
});

describe('evaluateCsr: ignore (never deny what is not ours)', () => {
  it.each<[string, () => Promise<CsrView>]>([
    ['if the signer is another, ignore', () => view({ spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet' } })],
    ['if the signer is the legacy one, ignore', () => view({ spec: { signerName: 'kubernetes.io/legacy-unknown' } })],
    ['if another requester asks for another subject, ignore', () => view({ subject: [cn('system:node:worker-1')], spec: { username: 'system:node:worker-1' } })],
    ['if already approved, ignore', () => view({ spec: { conditions: [{ type: 'Approved', status: 'True' }] } })],
    ['if already denied, ignore', () => view({ spec: { conditions: [{ type: 'Denied', status: 'True' }] } })],
    ['if already failed, ignore', () => view({ spec: { conditions: [{ type: 'Failed', status: 'True' }] } })],
    ['if another requester sends garbage, ignore', () => view({ spec: { username: 'someone', request: 'garbage' } })],
  ])('%s', async (_sentence, make) => {
    expect((await evaluateCsr(await make(), policy)).result).toBe('ignore');
  });
});

describe('csrViewFromObject', () => {
  it('decodes spec.request from base64 and keeps missing fields undefined', () => {
    const pem = '-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n';
    const v = csrViewFromObject({ metadata: { name: 'n' }, spec: { signerName: 's', request: btoa(pem) } });
    expect(v).toEqual({ name: 'n', signerName: 's', username: undefined, groups: undefined, usages: undefined, expirationSeconds: undefined, request: pem, conditions: [] });
  });
  it('turns a request that is not base64 into an empty request, never a throw', () => {
    expect(csrViewFromObject({ spec: { request: '%%%' } }).request).toBe('');
    expect(csrViewFromObject({}).request).toBe('');
  });
});
