import { beforeAll, describe, expect, it } from 'vitest';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { exportPrivateKeyPem, exportSpki, generateKeyPair, type KeyPair } from '@certscrape/pkcs';
import { buildCsrSpec, createCsrPolicy, CSR_GENERATE_NAME, CSR_SUBJECT_LABEL, evaluateCsr, csrViewFromObject, serviceAccountUser, DEFAULT_OPERATOR_SERVICE_ACCOUNT } from '@certscrape/identity';
import { buildCsrObject, csrSubjectLabelValue, newCsrName, observeCsr, supportsExpirationSeconds } from './csr-object.js';
import { toHex } from './installed-pair.js';

const policy = createCsrPolicy();
let keys: KeyPair;
let spki: string;
let csr: V1CertificateSigningRequest;

beforeAll(async () => {
  keys = await generateKeyPair();
  spki = toHex(await exportSpki(keys));
  const spec = await buildCsrSpec(policy, keys, { expirationSeconds: 2592000 });
  csr = buildCsrObject({ name: 'certscrape-metrics-client-bcdfghjklm', spec, username: policy.identity.username, includeExpirationSeconds: false });
});

const expected = () => ({ spki, signerName: policy.signerName });
const withStatus = (status: V1CertificateSigningRequest['status']): V1CertificateSigningRequest => ({ ...csr, status });
const noCheck = async () => [] as const;

describe('newCsrName', () => {
  it('uses the generateName prefix and 10 characters of the Kubernetes alphabet', () => {
    const name = newCsrName((n) => new Uint8Array(n).fill(7));
    expect(name.startsWith(CSR_GENERATE_NAME)).toBe(true);
    expect(name.slice(CSR_GENERATE_NAME.length)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });
});

describe('csrSubjectLabelValue', () => {
  it.each([
    ['system:serviceaccount:monitoring:prometheus-k8s', 'prometheus-k8s'],
    ['alice', 'alice'],
    ['system:serviceaccount:x:', 'scraper'],
    ['weird name!', 'weird-name'],
  ])('%s -> %s', (username, value) => expect(csrSubjectLabelValue(username)).toBe(value));
});

describe('buildCsrObject', () => {
  it('carries the generateName, the subject label, the signer and the usages, and base64 of the PEM', () => {
    expect(csr.metadata?.generateName).toBe(CSR_GENERATE_NAME);
    expect(csr.metadata?.labels?.[CSR_SUBJECT_LABEL]).toBe('prometheus-k8s');
    expect(csr.spec.signerName).toBe('kubernetes.io/kube-apiserver-client');
    expect(csr.spec.usages).toEqual(['digital signature', 'client auth']);
    expect(Buffer.from(csr.spec.request, 'base64').toString()).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
  });
  it('if the server is older than 1.22, leave out expirationSeconds; otherwise send it', async () => {
    expect('expirationSeconds' in csr.spec).toBe(false);
    const spec = await buildCsrSpec(policy, keys, { expirationSeconds: 3600 });
    expect(buildCsrObject({ name: 'n', spec, username: 'u', includeExpirationSeconds: true }).spec.expirationSeconds).toBe(3600);
  });
  it('never carries the private key', async () => {
    const pem = await exportPrivateKeyPem(keys);
    const body = pem.split('\n')[1]!;
    expect(JSON.stringify(csr)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(csr)).not.toContain(body.slice(0, 24));
    expect(Buffer.from(csr.spec.request, 'base64').toString()).not.toContain(body.slice(0, 24));
  });
  it('is approved by the shared policy when requested by the operator service account', async () => {
    const requester = serviceAccountUser(DEFAULT_OPERATOR_SERVICE_ACCOUNT);
    const view = csrViewFromObject({ ...csr, spec: { ...csr.spec, username: requester.username, groups: requester.groups } });
    expect(await evaluateCsr(view, policy)).toEqual({ result: 'approve' });
  });
});

describe('supportsExpirationSeconds', () => {
  it.each([
    [{ major: '1', minor: '20' }, false],
    [{ major: '1', minor: '21+' }, false],
    [{ major: '1', minor: '22' }, true],
    [{ major: '1', minor: '30+' }, true],
    [{ major: '2', minor: '0' }, true],
    [{}, false],
  ])('%j -> %s', (v, want) => expect(supportsExpirationSeconds(v)).toBe(want));
});

describe('observeCsr', () => {
  it('if there is no CSR, it is absent', async () => {
    expect(await observeCsr(undefined, expected(), noCheck)).toEqual({ state: 'absent' });
  });
  it('if it has no conditions, it is waiting unapproved', async () => {
    expect(await observeCsr(csr, expected(), noCheck)).toEqual({ state: 'waiting', approved: false });
  });
  it('if it is approved without a certificate, it is waiting approved', async () => {
    expect(await observeCsr(withStatus({ conditions: [{ type: 'Approved', status: 'True' }] }), expected(), noCheck)).toEqual({ state: 'waiting', approved: true });
  });
  it('if it is denied, it is denied with reason and message', async () => {
    const r = await observeCsr(withStatus({ conditions: [{ type: 'Denied', status: 'True', reason: 'PolicyViolation', message: 'subject has an O' }] }), expected(), noCheck);
    expect(r).toEqual({ state: 'denied', message: 'PolicyViolation: subject has an O' });
  });
  it('if it failed, it is failed with the signer message', async () => {
    const r = await observeCsr(withStatus({ conditions: [{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True', message: 'invalid usage' }] }), expected(), noCheck);
    expect(r).toEqual({ state: 'failed', message: 'invalid usage' });
  });
  it('if it is issued, the issued certificate is checked', async () => {
    const cert = Buffer.from('-----BEGIN CERTIFICATE-----\n...').toString('base64');
    let seen = '';
    const r = await observeCsr(withStatus({ conditions: [{ type: 'Approved', status: 'True' }], certificate: cert }), expected(), async (pem) => {
      seen = pem;
      return ['subject'];
    });
    expect(r).toEqual({ state: 'issued', problems: ['subject'] });
    expect(seen).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });
  it('if it requests another key, it is incompatible', async () => {
    const other = toHex(await exportSpki(await generateKeyPair()));
    const r = await observeCsr(csr, { spki: other, signerName: policy.signerName }, noCheck);
    expect(r.state).toBe('incompatible');
  });
  it('if it names another signer, it is incompatible', async () => {
    const r = await observeCsr({ ...csr, spec: { ...csr.spec, signerName: 'example.com/other' } }, expected(), noCheck);
    expect(r.state).toBe('incompatible');
  });
});
