import { describe, expect, it } from 'vitest';
import { createCsr, generateKeyPair, parseCsr, verifyCsrSignature, verifyChain, commonNameInput, exportPrivateKeyPem, importPrivateKeyPem, EKU } from './index.js';
import { createTestCa, issueTestLeaf, createTestCsr } from './testing/index.js';

describe('smoke', () => {
  it('builds, parses and verifies a CSR', async () => {
    const keys = await generateKeyPair();
    const csr = await createCsr({ subject: commonNameInput('a', ['g']), keys });
    const parsed = parseCsr(csr.pem);
    expect(parsed.subject[0]![0]!.value).toBe('a');
    expect(await verifyCsrSignature(parsed)).toBe(true);
    const re = await importPrivateKeyPem(await exportPrivateKeyPem(keys));
    expect(re.spec).toEqual({ kind: 'ecdsa', curve: 'P-256' });
  });
  it('verifies a leaf via an intermediate', async () => {
    const root = await createTestCa();
    const inter = await createTestCa({ parent: root });
    const leaf = await issueTestLeaf(inter);
    const r = await verifyChain(leaf.certificate, { roots: [root.certificate], intermediates: [inter.certificate], now: new Date(), requiredEku: EKU.clientAuth });
    expect(r).toMatchObject({ ok: true });
    const t = await createTestCsr();
    expect(await verifyCsrSignature(t.csr)).toBe(true);
  });
});
