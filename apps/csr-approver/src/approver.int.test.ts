import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicConstraintsExtension, EKU, parseCertificate, subjectAltNameExtension } from '@certscrape/pkcs';
import type { GeneralName } from '@certscrape/pkcs';
import { localClusterFromInject, localClusterHandleFromInject } from '@certscrape/local-cluster/testing';
import type { LocalCluster } from '@certscrape/local-cluster/testing';
import {
  BIN,
  IDENTITY,
  OPERATOR_GROUPS,
  OPERATOR_USERNAME,
  conditionTypes,
  isDecided,
  kubeConfigFrom,
  opensslRsaCsr,
  pemCsr,
  prepareIdentities,
  readCsr,
  sleep,
  startApprover,
  submitCsr,
  submitCsrImpersonating,
  tamperSignature,
  waitForCsr,
} from './testing/harness.js';
import type { ApproverProcess, CsrSubmission, Identities, SubmitResult } from './testing/harness.js';

const info = localClusterFromInject();
const suffix = Math.random().toString(36).slice(2, 7);
const name = (n: string) => `${n}-${suffix}`;
let cluster: LocalCluster;
let ids: Identities;
let dir: string;
let approver: ApproverProcess;

beforeAll(async () => {
  cluster = await localClusterHandleFromInject();
  dir = mkdtempSync(join(tmpdir(), 'csr-approver-int-'));
  ids = await prepareIdentities(cluster, dir);
  approver = startApprover(['--kubeconfig', ids.approver, '--leader-elect=false', '--metrics-bind-address=127.0.0.1:0', '--metrics-secure=false', '--health-probe-bind-address=127.0.0.1:0']);
  await approver.started();
}, 180_000);

afterAll(async () => {
  const code = await approver?.stop();
  expect(code).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

const cn = (value: string) => [[{ type: 'CN', value }]];
const withIdentity = (...more: { type: string; value: string }[][]) => [[{ type: 'CN', value: IDENTITY }], ...more];
const san = (n: GeneralName) => [subjectAltNameExtension([n])];

describe('csr-approver against a real control plane (one replica, --leader-elect=false)', () => {
  it.each([
    ['ECDSA P-256', { kind: 'ecdsa', curve: 'P-256' } as const, ['digital signature', 'client auth']],
    ['RSA-2048', { kind: 'rsa', bits: 2048 } as const, ['digital signature', 'key encipherment', 'client auth']],
  ])('approves a legitimate %s CSR from the operator service account, and kube-controller-manager issues it within seconds', async (_label, keySpec, usages) => {
    const csrName = name(`legit-${keySpec.kind}`);
    const created = Date.now();
    expect(await submitCsr(ids.operator, { name: csrName, request: await pemCsr({ keySpec }), usages })).toEqual({ created: true });
    const issued = await waitForCsr(info, csrName, (c) => Boolean(c.status?.certificate), 20_000);
    expect(Date.now() - created).toBeLessThan(20_000);
    expect(conditionTypes(issued)).toEqual(['Approved']);
    expect(issued.status?.conditions?.[0]).toMatchObject({ reason: 'CertscrapePolicySatisfied' });
    expect(issued.spec.username).toBe(OPERATOR_USERNAME);
    const cert = parseCertificate(Buffer.from(issued.status!.certificate!, 'base64').toString('utf8'));
    expect(cert.subject.flat().map((a) => `${a.shortName}=${a.value}`)).toEqual([`CN=${IDENTITY}`]);
    expect(cert.extendedKeyUsage).toContain(EKU.clientAuth);
    const line = await approver.waitForLine((l) => l['csr'] === csrName);
    expect(line).toMatchObject({ decision: 'approve', requester: OPERATOR_USERNAME, violations: [] });
  });

  type Expect = 'denied' | 'untouched' | 'refused' | 'refused-or-denied';
  interface Variant {
    readonly sentence: string;
    readonly expect: Expect;
    /** A rule code the Denied message must name. */
    readonly rule?: string;
    readonly submit: (csrName: string) => Promise<SubmitResult>;
  }
  const asOperator = (s: Omit<CsrSubmission, 'name'>) => (n: string) => submitCsr(ids.operator, { ...s, name: n });
  const variants: Variant[] = [
    ...(['dns:evil.example.com', 'ip:127.0.0.1', 'email:root@example.com', 'uri:spiffe://cluster/ns/kube-system/sa/admin', 'otherName:1.3.6.1.4.1.311.20.2.3:admin@example.com', 'directoryName:CN=admin,O=system:masters', 'registeredId:1.2.3.4', 'x400Address:#3000', 'ediPartyName:#3000'] as const).map(
      (spec): Variant => {
        const i = spec.indexOf(':');
        const n = { type: spec.slice(0, i), value: spec.slice(i + 1) } as GeneralName;
        return { sentence: `a ${n.type} SAN`, expect: 'refused-or-denied', rule: 'extension-subject-alt-name', submit: async (csrName) => asOperator({ request: await pemCsr({ extensions: san(n) }) })(csrName) };
      },
    ),
    { sentence: 'O=system:masters', expect: 'refused-or-denied', rule: 'subject-organization', submit: async (n) => asOperator({ request: await pemCsr({ subject: withIdentity([{ type: 'O', value: 'system:masters' }]) }) })(n) },
    { sentence: 'O=monitoring', expect: 'denied', rule: 'subject-organization', submit: async (n) => asOperator({ request: await pemCsr({ subject: withIdentity([{ type: 'O', value: 'monitoring' }]) }) })(n) },
    { sentence: 'an extra OU', expect: 'denied', rule: 'subject-attribute', submit: async (n) => asOperator({ request: await pemCsr({ subject: withIdentity([{ type: 'OU', value: 'ops' }]) }) })(n) },
    { sentence: 'a duplicate CN, identity first', expect: 'denied', rule: 'subject-common-name', submit: async (n) => asOperator({ request: await pemCsr({ subject: withIdentity([{ type: 'CN', value: 'system:admin' }]) }) })(n) },
    {
      sentence: 'a duplicate CN, identity last',
      expect: 'denied',
      rule: 'subject-common-name',
      submit: async (n) => asOperator({ request: await pemCsr({ subject: [[{ type: 'CN', value: 'system:admin' }], [{ type: 'CN', value: IDENTITY }]] }) })(n),
    },
    {
      sentence: 'a multi-valued RDN CN+O',
      expect: 'refused-or-denied',
      rule: 'subject-multi-valued-rdn',
      submit: async (n) => asOperator({ request: await pemCsr({ subject: [[{ type: 'CN', value: IDENTITY }, { type: 'O', value: 'monitoring' }]] }) })(n),
    },
    { sentence: 'basicConstraints CA:TRUE', expect: 'denied', rule: 'extension-ca', submit: async (n) => asOperator({ request: await pemCsr({ extensions: [basicConstraintsExtension(true)] }) })(n) },
    { sentence: 'server auth usage', expect: 'denied', rule: 'usage-not-allowed', submit: async (n) => asOperator({ request: await pemCsr(), usages: ['digital signature', 'client auth', 'server auth'] })(n) },
    { sentence: 'cert sign usage', expect: 'refused-or-denied', rule: 'usage-not-allowed', submit: async (n) => asOperator({ request: await pemCsr(), usages: ['cert sign', 'client auth'] })(n) },
    { sentence: 'no client auth usage', expect: 'denied', rule: 'usage-required', submit: async (n) => asOperator({ request: await pemCsr(), usages: ['digital signature', 'key encipherment'] })(n) },
    { sentence: 'another CN', expect: 'denied', rule: 'subject-common-name', submit: async (n) => asOperator({ request: await pemCsr({ subject: cn('system:serviceaccount:kube-system:default') }) })(n) },
    { sentence: 'a CN with a trailing space', expect: 'denied', rule: 'subject-common-name', submit: async (n) => asOperator({ request: await pemCsr({ subject: cn(`${IDENTITY} `) }) })(n) },
    { sentence: 'CN equal to the requester', expect: 'denied', rule: 'subject-common-name-is-requester', submit: async (n) => asOperator({ request: await pemCsr({ subject: cn(OPERATOR_USERNAME) }) })(n) },
    { sentence: 'a weak RSA-1024 key (openssl)', expect: 'denied', rule: 'key-too-weak', submit: (n) => asOperator({ request: opensslRsaCsr(`/CN=${IDENTITY}`, 1024), usages: ['digital signature', 'key encipherment', 'client auth'] })(n) },
    { sentence: 'a signature that does not verify', expect: 'refused-or-denied', rule: 'signature-invalid', submit: async (n) => asOperator({ request: tamperSignature(await pemCsr()) })(n) },
    { sentence: 'another signer (example.com/scraper)', expect: 'untouched', submit: async (n) => asOperator({ request: await pemCsr(), signerName: 'example.com/scraper' })(n) },
    { sentence: 'the kubelet-serving signer with a DNS SAN', expect: 'untouched', submit: async (n) => asOperator({ request: await pemCsr({ extensions: san({ type: 'dns', value: 'node1' }) }), signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'key encipherment', 'server auth'] })(n) },
    { sentence: 'the legacy-unknown signer', expect: 'refused', submit: async (n) => asOperator({ request: await pemCsr(), signerName: 'kubernetes.io/legacy-unknown' })(n) },
    { sentence: 'the admin as requester', expect: 'denied', rule: 'requester-username', submit: async (n) => submitCsr(ids.admin, { name: n, request: await pemCsr() }) },
    { sentence: 'another service account as requester', expect: 'denied', rule: 'requester-username', submit: async (n) => submitCsr(ids.otherSa, { name: n, request: await pemCsr() }) },
    { sentence: 'the same service-account name in another namespace', expect: 'denied', rule: 'requester-username', submit: async (n) => submitCsr(ids.sameNameOtherNs, { name: n, request: await pemCsr() }) },
    {
      sentence: 'the operator username with an extra group (impersonated)',
      expect: 'denied',
      rule: 'requester-groups',
      submit: async (n) => submitCsrImpersonating(info, OPERATOR_USERNAME, [...OPERATOR_GROUPS, 'system:masters'], { name: n, request: await pemCsr() }),
    },
    {
      sentence: 'the operator username with different groups (impersonated)',
      expect: 'denied',
      rule: 'requester-groups',
      submit: async (n) => submitCsrImpersonating(info, OPERATOR_USERNAME, ['system:authenticated', 'system:serviceaccounts:kube-system'], { name: n, request: await pemCsr() }),
    },
    { sentence: 'another service account asking for a name that is not the identity', expect: 'untouched', submit: async (n) => submitCsr(ids.otherSa, { name: n, request: await pemCsr({ subject: cn('system:serviceaccount:monitoring:other-sa-client') }) }) },
    {
      sentence: 'a kubelet client CSR (signer kube-apiserver-client-kubelet)',
      expect: 'untouched',
      submit: async (n) =>
        submitCsr(ids.admin, {
          name: n,
          request: await pemCsr({ subject: [[{ type: 'O', value: 'system:nodes' }], [{ type: 'CN', value: 'system:node:node1' }]] }),
          signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
          usages: ['digital signature', 'key encipherment', 'client auth'],
        }),
    },
    {
      sentence: 'the identity subject under the kubelet client signer',
      expect: 'untouched',
      submit: async (n) => asOperator({ request: await pemCsr(), signerName: 'kubernetes.io/kube-apiserver-client-kubelet' })(n),
    },
  ];

  it(`ends each of ${variants.length} hostile variants Denied, untouched or refused at create — never Approved`, async () => {
    expect(variants.length).toBeGreaterThanOrEqual(20);
    const results: { v: Variant; csrName: string; result: SubmitResult }[] = [];
    for (const [i, v] of variants.entries()) {
      const csrName = name(`hostile-${i}`);
      results.push({ v, csrName, result: await v.submit(csrName) });
    }
    // A legitimate CSR created after all of them: once it is approved, the approver has seen the rest.
    const sentinel = name('sentinel');
    expect(await submitCsr(ids.operator, { name: sentinel, request: await pemCsr() })).toEqual({ created: true });
    await waitForCsr(info, sentinel, isDecided, 45_000);
    expect(conditionTypes(await readCsr(info, sentinel))).toContain('Approved');

    const report: string[] = [];
    for (const { v, csrName, result } of results) {
      const label = `${v.sentence} (${csrName})`;
      if (!result.created) {
        expect(['refused', 'refused-or-denied'], `${label} was refused: ${result.message}`).toContain(v.expect);
        expect(result.status, label).toBeGreaterThanOrEqual(400);
        report.push(`${v.sentence}: refused at create (${result.status})`);
        continue;
      }
      expect(v.expect, `${label} was unexpectedly accepted by the API`).not.toBe('refused');
      if (v.expect === 'untouched') {
        const csr = await readCsr(info, csrName);
        expect(csr.status?.conditions ?? [], label).toEqual([]);
        expect(approver.decisions().some((d) => d.csr === csrName), label).toBe(false);
        report.push(`${v.sentence}: untouched`);
        continue;
      }
      const csr = await waitForCsr(info, csrName, isDecided, 45_000);
      expect(conditionTypes(csr), label).toEqual(['Denied']);
      const denied = csr.status!.conditions![0]!;
      expect(denied.reason, label).toBe('CertscrapePolicyViolation');
      if (v.rule) expect(denied.message, label).toContain(`[${v.rule}]`);
      const line = await approver.waitForLine((l) => l['csr'] === csrName);
      expect(line, label).toMatchObject({ decision: 'deny', requester: csr.spec.username });
      expect((line['violations'] as { rule: string }[]).map((x) => x.rule), label).toContain(v.rule);
      report.push(`${v.sentence}: denied`);
    }
    // Nothing hostile was ever approved, and the untouched ones are still untouched after a grace period.
    await sleep(2_000);
    for (const { v, csrName, result } of results) {
      if (!result.created) continue;
      const types = conditionTypes(await readCsr(info, csrName));
      expect(types, v.sentence).not.toContain('Approved');
      if (v.expect === 'untouched') expect(types, v.sentence).toEqual([]);
    }
    console.log(`hostile variants:\n  ${report.join('\n  ')}`);
  });

  it('logs exactly one decision line per decided CSR', () => {
    const counts = new Map<string, number>();
    for (const d of approver.decisions()) counts.set(d.csr, (counts.get(d.csr) ?? 0) + 1);
    expect(counts.size).toBeGreaterThan(10);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(JSON.stringify(approver.lines)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE REQUEST|eyJhbGci/);
  });

  it('records a Normal event for an approval and a Warning event naming the violations for a denial', async () => {
    const core = kubeConfigFrom(ids.admin).makeApiClient(CoreV1Api);
    const approved = name('legit-ecdsa');
    const denied = approver.decisions().find((d) => d.decision === 'deny')!.csr;
    const eventsFor = async (csr: string) => (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${csr}` })).items;
    await expect.poll(async () => (await eventsFor(approved)).map((e) => `${e.type}/${e.reason}`), { timeout: 10_000 }).toEqual(['Normal/CertscrapeApproved']);
    const [warning] = await eventsFor(denied);
    expect(warning).toMatchObject({ type: 'Warning', reason: 'CertscrapeDenied', involvedObject: { kind: 'CertificateSigningRequest', name: denied } });
    expect(warning?.message).toMatch(/policy violation/);
  });

  it('serves /healthz, /readyz and metrics with decisions by result and reason and informer health', async () => {
    const started = await approver.started();
    const health = String(started['healthUrl']);
    const metrics = String(started['metricsUrl']);
    expect((await fetch(`${health}/healthz`)).status).toBe(200);
    const ready = await fetch(`${health}/readyz?verbose`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toContain('[+]informers ok');
    const text = await (await fetch(`${metrics}/metrics`)).text();
    expect(text).toMatch(/certscrape_csr_approver_decisions_total\{result="approved",reason="policy-satisfied"\} [1-9]/);
    expect(text).toMatch(/certscrape_csr_approver_decisions_total\{result="denied",reason="[a-z-]+"\} [1-9]/);
    expect(text).toMatch(/certscrape_csr_approver_violations_total\{rule="extension-subject-alt-name"\} [1-9]/);
    expect(text).toMatch(/certscrape_csr_approver_evaluation_duration_seconds_count [1-9]/);
    expect(text).toMatch(/certscrape_csr_approver_informer_synced 1/);
    expect(text).toMatch(/certscrape_csr_approver_informer_watching 1/);
  });
});

describe('csr-approver start-up errors', () => {
  it('exits non-zero with a clear message when the apiserver is unreachable', async () => {
    const kc = join(dir, 'unreachable.kubeconfig');
    writeFileSync(
      kc,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: x}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`,
    );
    const p = startApprover(['--kubeconfig', kc, '--leader-elect=false', '--metrics-bind-address=0', '--health-probe-bind-address=0']);
    expect(await p.exit()).toBe(1);
    expect(p.stderr.join('\n')).toMatch(/cannot reach kube-apiserver at https:\/\/127\.0\.0\.1:1/);
  });

  it('without --kubeconfig (and outside a pod) it uses $KUBECONFIG', async () => {
    const p = startApprover(['--leader-elect=false', '--metrics-bind-address=0', '--health-probe-bind-address=127.0.0.1:0'], { KUBECONFIG: `${join(dir, 'missing')}:${ids.approver}` });
    const started = await p.started();
    expect(started).toMatchObject({ kubeconfigSource: 'KUBECONFIG', kubeconfig: ids.approver, server: info.server });
    expect(await p.stop()).toBe(0);
  });

  it('exits 2 on a bad flag and documents every flag in --help', async () => {
    const bad = startApprover(['--leader-elect=perhaps']);
    expect(await bad.exit()).toBe(2);
    expect(bad.stderr.join('\n')).toBe('certscrape-csr-approver: PROCESS_KIT_ERR_BOOLEAN: --leader-elect: expected true or false, got "perhaps"');
    const help = startApprover(['--help']);
    expect(await help.exit()).toBe(0);
    const text = help.stderr.join('\n');
    for (const flag of ['--kubeconfig', '--scraper-identity', '--operator-service-account', '--max-expiration-seconds', '--leader-elect', '--leader-election-namespace', '--metrics-bind-address', '--health-probe-bind-address', '--help']) {
      expect(text).toContain(flag);
    }
    expect(BIN).toMatch(/certscrape-csr-approver\.js$/);
  });
});
