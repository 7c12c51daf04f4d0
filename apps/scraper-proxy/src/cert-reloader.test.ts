import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';
import type { TestLeaf } from '@certscrape/pkcs/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertReloader, validatePair } from './cert-reloader.js';
import { isProxyError } from './errors.js';
import { createMetrics } from './metrics.js';

let a: TestLeaf;
let b: TestLeaf;
let viaIntermediate: TestLeaf;

beforeAll(async () => {
  const ca = await createTestCa({ commonName: 'client CA' });
  const intermediate = await createTestCa({ commonName: 'intermediate', parent: ca });
  [a, b, viaIntermediate] = await Promise.all([issueTestLeaf(ca, { commonName: 'scraper' }), issueTestLeaf(ca, { commonName: 'scraper' }), issueTestLeaf(intermediate, { commonName: 'scraper' })]);
});

/** In-memory files; `onRead` may change them between reads (to simulate a write racing a poll). */
function memoryFiles(initial: Record<string, string>) {
  const files = { ...initial };
  let onRead: ((path: string, count: number) => void) | undefined;
  let reads = 0;
  return {
    files,
    setOnRead(fn: typeof onRead) {
      onRead = fn;
      reads = 0;
    },
    read: async (path: string): Promise<Buffer> => {
      const content = files[path];
      onRead?.(path, ++reads);
      if (content === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
      return Buffer.from(content);
    },
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isProxyError(e) ? e.code : `not a ProxyError: ${String(e)}`;
  }
  return undefined;
}

describe('validatePair', () => {
  it('accepts a matching pair and describes it', async () => {
    const pair = await validatePair(a.certPem, a.keyPem);
    expect(pair).toMatchObject({ subject: 'CN=scraper', serialNumber: a.certificate.serialNumber, notAfter: a.certificate.notAfter });
    expect(pair.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts a chain file (leaf + intermediate) and matches the key against the leaf', async () => {
    await expect(validatePair(viaIntermediate.chainPem, viaIntermediate.keyPem)).resolves.toMatchObject({ serialNumber: viaIntermediate.certificate.serialNumber });
  });

  it.each([
    ['a key from another pair', () => validatePair(a.certPem, b.keyPem), 'PROXY_ERR_PAIR_MISMATCH'],
    ['a truncated certificate', () => validatePair(a.certPem.slice(0, 100), a.keyPem), 'PROXY_ERR_PAIR_INVALID'],
    ['a truncated key', () => validatePair(a.certPem, a.keyPem.slice(0, a.keyPem.length - 40)), 'PROXY_ERR_PAIR_INVALID'],
    ['an empty certificate (half-written file)', () => validatePair('', a.keyPem), 'PROXY_ERR_PAIR_INVALID'],
    ['a key where the certificate should be', () => validatePair(a.keyPem, a.keyPem), 'PROXY_ERR_PAIR_INVALID'],
  ])('refuses %s', async (_name, run, code) => {
    expect(await codeOf(run())).toBe(code);
  });

  it('never puts key material in the error', async () => {
    const broken = a.keyPem.slice(0, a.keyPem.length - 40);
    let message = '';
    try {
      await validatePair(a.certPem, broken);
    } catch (e) {
      message = `${(e as Error).message} ${String((e as Error).cause ?? '')}`;
    }
    const body = broken.split('\n')[1] ?? 'x';
    expect(message).not.toContain(body.slice(0, 20));
    expect(message).not.toContain('PRIVATE KEY-----');
  });
});

describe('CertReloader', () => {
  it('fails fast at load on an unreadable, malformed or mismatched pair', async () => {
    expect(await codeOf(CertReloader.load({ certFile: 'c', keyFile: 'k', readFile: memoryFiles({ c: a.certPem }).read }))).toBe('PROXY_ERR_PAIR_UNREADABLE');
    expect(await codeOf(CertReloader.load({ certFile: 'c', keyFile: 'k', readFile: memoryFiles({ c: 'garbage', k: a.keyPem }).read }))).toBe('PROXY_ERR_PAIR_INVALID');
    expect(await codeOf(CertReloader.load({ certFile: 'c', keyFile: 'k', readFile: memoryFiles({ c: a.certPem, k: b.keyPem }).read }))).toBe('PROXY_ERR_PAIR_MISMATCH');
  });

  it('takes a new valid pair into use and emits change; same content is unchanged', async () => {
    const fs = memoryFiles({ c: a.certPem, k: a.keyPem });
    const metrics = createMetrics({ defaultMetrics: false });
    const reloader = await CertReloader.load({ certFile: 'c', keyFile: 'k', readFile: fs.read, metrics });
    expect(await reloader.check()).toBe('unchanged');
    const changes: string[] = [];
    reloader.on('change', (p) => changes.push(p.serialNumber));
    fs.files['c'] = b.certPem;
    fs.files['k'] = b.keyPem;
    expect(await reloader.check()).toBe('changed');
    expect(await reloader.check()).toBe('unchanged');
    expect(changes).toEqual([b.certificate.serialNumber]);
    expect(reloader.current.serialNumber).toBe(b.certificate.serialNumber);
    expect((await metrics.reloads.get()).values[0]?.value).toBe(1);
    expect((await metrics.certificateNotAfter.get()).values[0]?.value).toBe(b.certificate.notAfter.getTime() / 1000);
  });

  it('refuses a half-rotated pair once, keeps the last good pair, and accepts it when the second file lands', async () => {
    const fs = memoryFiles({ c: a.certPem, k: a.keyPem });
    const metrics = createMetrics({ defaultMetrics: false });
    const reloader = await CertReloader.load({ certFile: 'c', keyFile: 'k', readFile: fs.read, metrics });
    const refused: string[] = [];
    reloader.on('refused', (e) => refused.push(e.code));
    fs.files['c'] = b.certPem; // certificate written, key not yet
    for (let i = 0; i < 5; i++) expect(await reloader.check()).toBe('refused');
    expect(refused).toEqual(['PROXY_ERR_PAIR_MISMATCH']);
    expect((await metrics.refusedPairs.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'PROXY_ERR_PAIR_MISMATCH' }, value: 1 })]);
    expect((await metrics.refusedPairPending.get()).values[0]?.value).toBe(1);
    expect(reloader.current.serialNumber).toBe(a.certificate.serialNumber);
    fs.files['k'] = b.keyPem;
    expect(await reloader.check()).toBe('changed');
    expect((await metrics.refusedPairPending.get()).values[0]?.value).toBe(0);
  });

  it('clears the refused state when the files go back to the pair in use', async () => {
    const fs = memoryFiles({ c: a.certPem, k: a.keyPem });
    const metrics = createMetrics({ defaultMetrics: false });
    const reloader = await CertReloader.load({ certFile: 'c', keyFile: 'k', readFile: fs.read, metrics });
    fs.files['k'] = 'truncat';
    expect(await reloader.check()).toBe('refused');
    fs.files['k'] = a.keyPem;
    expect(await reloader.check()).toBe('unchanged');
    expect((await metrics.refusedPairPending.get()).values[0]?.value).toBe(0);
  });

  it('looks again instead of refusing when the certificate changes while the pair is being read', async () => {
    const fs = memoryFiles({ c: a.certPem, k: a.keyPem });
    const metrics = createMetrics({ defaultMetrics: false });
    const reloader = await CertReloader.load({ certFile: 'c', keyFile: 'k', readFile: fs.read, metrics });
    // The cert is read, then the key; the swap lands between the key read and the second cert read.
    fs.setOnRead((path, count) => {
      if (count === 2) {
        fs.files['c'] = b.certPem;
        fs.files['k'] = b.keyPem;
      }
    });
    expect(await reloader.check()).toBe('unstable');
    fs.setOnRead(undefined);
    expect(await reloader.check()).toBe('changed');
    expect((await metrics.refusedPairs.get()).values).toEqual([]);
  });

  it('polls on its own once started, and stops', async () => {
    const fs = memoryFiles({ c: a.certPem, k: a.keyPem });
    const reloader = await CertReloader.load({ certFile: 'c', keyFile: 'k', readFile: fs.read, pollIntervalMs: 10 });
    const changed = new Promise((resolve) => reloader.once('change', resolve));
    reloader.start();
    fs.files['c'] = b.certPem;
    fs.files['k'] = b.keyPem;
    await changed;
    await reloader.stop();
    expect(reloader.current.serialNumber).toBe(b.certificate.serialNumber);
  });
});
