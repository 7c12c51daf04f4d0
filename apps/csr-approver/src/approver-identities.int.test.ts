// The approver with two identities (--identities-file) against the real control plane: each identity's
// honest CSR is approved and issued with exactly its subject; CSRs mixing the two, naming both, naming an
// identity absent from the set, or labelled for the other identity never yield a certificate for a subject
// outside the set.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSR_SUBJECT_LABEL } from '@certscrape/identity';
import { parseCertificate } from '@certscrape/pkcs';
import type { NameInput } from '@certscrape/pkcs';
import { localClusterFromInject, localClusterHandleFromInject } from '@certscrape/local-cluster/testing';
import { conditionTypes, isDecided, pemCsr, prepareIdentities, readCsr, sleep, startApprover, submitCsr, waitForCsr } from './testing/harness.js';
import type { ApproverProcess, Identities, SubmitResult } from './testing/harness.js';

const PLATFORM = { username: 'system:serviceaccount:monitoring:prometheus-k8s', groups: [] as string[] };
const TENANT = { username: 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload', groups: ['certscrape:user-workload'] };
const ABSENT = 'system:serviceaccount:tenant-b:prometheus';

const info = localClusterFromInject();
const suffix = Math.random().toString(36).slice(2, 7);
const name = (n: string) => `ids-${n}-${suffix}`;
let ids: Identities;
let dir: string;
let identitiesFile: string;
let approver: ApproverProcess;

const cn = (value: string) => [{ type: 'CN', value }];
const o = (value: string) => [{ type: 'O', value }];
const subjectOf = (id: { username: string; groups: string[] }): NameInput => [cn(id.username), ...id.groups.map(o)];
const issuedSubject = (certificate: string) => parseCertificate(Buffer.from(certificate, 'base64').toString('utf8')).subject.flat().map((a) => `${a.shortName}=${a.value}`);

beforeAll(async () => {
  const cluster = await localClusterHandleFromInject();
  dir = mkdtempSync(join(tmpdir(), 'csr-approver-ids-int-'));
  ids = await prepareIdentities(cluster, dir);
  identitiesFile = join(dir, 'identities.yaml');
  writeFileSync(
    identitiesFile,
    [
      'apiVersion: certscrape.io/v1alpha1',
      'kind: ScraperIdentities',
      'identities:',
      `  - username: ${PLATFORM.username}`,
      '    secret: { namespace: monitoring, name: metrics-client-certs }',
      `  - username: ${TENANT.username}`,
      `    groups: [${TENANT.groups[0]}]`,
      '    secret: { namespace: monitoring-user-workload, name: metrics-client-certs }',
      '',
    ].join('\n'),
  );
  approver = startApprover(['--kubeconfig', ids.approver, `--identities-file=${identitiesFile}`, '--leader-elect=false', '--metrics-bind-address=127.0.0.1:0', '--metrics-secure=false', '--health-probe-bind-address=127.0.0.1:0']);
  const started = await approver.started();
  expect(started).toMatchObject({ scraperIdentities: [PLATFORM.username, TENANT.username], identitiesFile });
}, 180_000);

afterAll(async () => {
  const code = await approver?.stop();
  expect(code).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

describe('csr-approver with two identities against a real control plane', () => {
  it.each([
    ['the platform identity', PLATFORM, [`CN=${PLATFORM.username}`]],
    // The signer re-encodes the subject in Go's pkix.Name order: O before CN.
    ['the tenant identity (with its group)', TENANT, [`O=${TENANT.groups[0]}`, `CN=${TENANT.username}`]],
  ])('approves the operator\'s honest CSR for %s, and the signer issues exactly that subject', async (_label, id, subject) => {
    const csrName = name(`legit-${id.groups.length}`);
    expect(await submitCsr(ids.operator, { name: csrName, request: await pemCsr({ subject: subjectOf(id) }) })).toEqual({ created: true });
    const issued = await waitForCsr(info, csrName, (c) => Boolean(c.status?.certificate), 30_000);
    expect(conditionTypes(issued)).toEqual(['Approved']);
    expect(issuedSubject(issued.status!.certificate!)).toEqual(subject);
  });

  interface Variant {
    readonly sentence: string;
    readonly rule: string;
    readonly submit: (csrName: string) => Promise<SubmitResult>;
  }
  const asOperator = (subject: NameInput) => async (n: string) => submitCsr(ids.operator, { name: n, request: await pemCsr({ subject }) });
  const variants: Variant[] = [
    { sentence: "the platform CN with the tenant's group (A's CN, B's O)", rule: 'subject-organization', submit: asOperator([cn(PLATFORM.username), o(TENANT.groups[0]!)]) },
    { sentence: "the tenant CN without the tenant's group", rule: 'subject-organization', submit: asOperator([cn(TENANT.username)]) },
    { sentence: 'both identities as two CNs', rule: 'subject-several-identities', submit: asOperator([cn(PLATFORM.username), cn(TENANT.username), o(TENANT.groups[0]!)]) },
    { sentence: 'an identity absent from the set', rule: 'subject-identity-unknown', submit: asOperator([cn(ABSENT)]) },
    { sentence: "an absent identity borrowing the tenant's group", rule: 'subject-identity-unknown', submit: asOperator([cn(ABSENT), o(TENANT.groups[0]!)]) },
    { sentence: 'the tenant CN with a trailing U+200B', rule: 'subject-character', submit: asOperator([cn(`${TENANT.username}\u200b`), o(TENANT.groups[0]!)]) },
    { sentence: 'the tenant subject with O=system:masters added', rule: 'subject-organization', submit: asOperator([...subjectOf(TENANT), o('system:masters')]) },
    { sentence: 'the tenant subject requested by another service account', rule: 'requester-username', submit: async (n) => submitCsr(ids.otherSa, { name: n, request: await pemCsr({ subject: subjectOf(TENANT) }) }) },
  ];

  it(`ends each of ${variants.length} cross-identity variants Denied (or refused at create) — never Approved`, async () => {
    const results: { v: Variant; csrName: string; result: SubmitResult }[] = [];
    for (const [i, v] of variants.entries()) {
      const csrName = name(`hostile-${i}`);
      results.push({ v, csrName, result: await v.submit(csrName) });
    }
    const seen: string[] = [];
    for (const { v, csrName, result } of results) {
      if (!result.created) {
        // Admission may refuse some requests (e.g. O=system:masters for this signer) before any approver sees them.
        expect(result.status, v.sentence).toBeGreaterThanOrEqual(400);
        seen.push(`${v.sentence}: refused at create (${result.status})`);
        continue;
      }
      const csr = await waitForCsr(info, csrName, isDecided, 45_000);
      expect(conditionTypes(csr), v.sentence).toEqual(['Denied']);
      expect(csr.status?.conditions?.[0]?.message, v.sentence).toContain(`[${v.rule}]`);
      expect(csr.status?.certificate, v.sentence).toBeUndefined();
      seen.push(`${v.sentence}: denied [${v.rule}]`);
    }
    await sleep(1_000);
    for (const { v, csrName, result } of results) if (result.created) expect(conditionTypes(await readCsr(info, csrName)), v.sentence).not.toContain('Approved');
    expect(seen.filter((s) => s.includes('denied')).length).toBeGreaterThanOrEqual(variants.length - 1);
    console.log(`cross-identity variants:\n  ${seen.join('\n  ')}`);
  });

  it("a CSR for the platform identity labelled for the tenant (submitted for B's Secret) is decided on its subject: the certificate names A, never B", async () => {
    const csrName = name('label-claims-tenant');
    const tenantLabel = TENANT.username.split(':').pop()!;
    expect(await submitCsr(ids.operator, { name: csrName, request: await pemCsr({ subject: subjectOf(PLATFORM) }), labels: { [CSR_SUBJECT_LABEL]: tenantLabel } })).toEqual({ created: true });
    const issued = await waitForCsr(info, csrName, (c) => Boolean(c.status?.certificate), 30_000);
    // What was issued carries A's subject alone: an operator writing B's Secret checks the subject against B and refuses it.
    expect(issuedSubject(issued.status!.certificate!)).toEqual([`CN=${PLATFORM.username}`]);
    // And the label cannot turn A's CN with B's group into B.
    const mixed = name('label-mixed');
    expect(await submitCsr(ids.operator, { name: mixed, request: await pemCsr({ subject: [cn(PLATFORM.username), o(TENANT.groups[0]!)] }), labels: { [CSR_SUBJECT_LABEL]: tenantLabel } })).toEqual({ created: true });
    expect(conditionTypes(await waitForCsr(info, mixed, isDecided, 30_000))).toEqual(['Denied']);
  });
});

describe('csr-approver --identities-file start-up errors', () => {
  it('exits 2 naming the conflict when --scraper-identity is given too', async () => {
    const p = startApprover(['--kubeconfig', ids.approver, `--identities-file=${identitiesFile}`, `--scraper-identity=${PLATFORM.username}`, '--leader-elect=false']);
    expect(await p.exit()).toBe(2);
    expect(p.stderr.join('\n')).toMatch(/APPROVER_ERR_CONFIG: --scraper-identity and --identities-file are mutually exclusive/);
  });

  it('exits 2 naming the field when the file is invalid', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: certscrape.io/v1alpha1\nkind: ScraperIdentities\nidentities:\n  - username: a\n    groups: [system:masters]\n    secret: { namespace: monitoring, name: s }\n');
    const p = startApprover(['--kubeconfig', ids.approver, `--identities-file=${bad}`, '--leader-elect=false']);
    expect(await p.exit()).toBe(2);
    expect(p.stderr.join('\n')).toMatch(/identities\[0\]\.groups\[0\]: system:masters is never grantable/);
  });
});
