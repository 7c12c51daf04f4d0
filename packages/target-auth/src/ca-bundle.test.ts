import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa, type TestCa } from '@certscrape/pkcs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaBundleWatcher, parseCaBundle, type CaBundle } from './ca-bundle.js';
import { isTargetAuthError, type TargetAuthErrorCode } from './errors.js';
import { createTargetAuthMetrics } from './metrics.js';
import { SecretVolume } from '@certscrape/local-cluster/testing';

function nextChange(w: CaBundleWatcher, timeoutMs = 3000): Promise<{ bundle: CaBundle; afterMs: number }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('no CA bundle change seen'));
    }, timeoutMs);
    const off = w.onChange((bundle) => {
      clearTimeout(timer);
      off();
      resolve({ bundle, afterMs: Date.now() - start });
    });
  });
}

function capturingLogger() {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('CaBundleWatcher', () => {
  let a: TestCa;
  let b: TestCa;
  let dir: string;
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestCa({ commonName: 'CA A' }), createTestCa({ commonName: 'CA B' })]);
    dir = await mkdtemp(join(tmpdir(), 'target-auth-ca-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function openCode(content: string | undefined): Promise<TargetAuthErrorCode | undefined> {
    const file = join(dir, `ca-${Math.random()}.crt`);
    if (content !== undefined) await writeFile(file, content);
    try {
      (await CaBundleWatcher.open({ file })).close();
    } catch (e) {
      if (isTargetAuthError(e)) return e.code;
      throw e;
    }
    return undefined;
  }

  it.each<[string, string | undefined, TargetAuthErrorCode]>([
    ['a missing file', undefined, 'TARGET_AUTH_ERR_CA_BUNDLE_READ'],
    ['an empty file', '', 'TARGET_AUTH_ERR_CA_BUNDLE_EMPTY'],
    ['a blank file', '\n  \n', 'TARGET_AUTH_ERR_CA_BUNDLE_EMPTY'],
    ['a file that is not PEM', 'hello', 'TARGET_AUTH_ERR_CA_BUNDLE_MALFORMED'],
    ['a truncated PEM', '-----BEGIN CERTIFICATE-----\nMIIB\n', 'TARGET_AUTH_ERR_CA_BUNDLE_MALFORMED'],
  ])('fails fast at startup on %s', async (_n, content, code) => {
    expect(await openCode(content)).toBe(code);
  });

  it('loads a multi-certificate bundle (rotation overlap)', () => {
    expect(parseCaBundle(`${a.certPem}# comment between blocks\n${b.certPem}`).map((c) => c.subject[0]?.[0]?.value)).toEqual(['CA A', 'CA B']);
  });

  it('sees a ..data symlink swap by polling alone (fs.watch off) within about a second', async () => {
    const vol = await SecretVolume.create(undefined, { 'client-ca.crt': a.certPem });
    const w = await CaBundleWatcher.open({ file: vol.path('client-ca.crt'), watchHint: false });
    try {
      expect(w.current().generation).toBe(1);
      const change = nextChange(w);
      await vol.update({ 'client-ca.crt': a.certPem + b.certPem });
      const { bundle, afterMs } = await change;
      expect(bundle.generation).toBe(2);
      expect(bundle.certificates).toHaveLength(2);
      expect(afterMs).toBeLessThan(1200);
    } finally {
      w.close();
      await vol.remove();
    }
  });

  it('with the fs.watch hint, a swap is usually seen before the next poll', async () => {
    const vol = await SecretVolume.create(undefined, { 'client-ca.crt': a.certPem });
    const w = await CaBundleWatcher.open({ file: vol.path('client-ca.crt'), pollIntervalMs: 10_000 });
    try {
      const change = nextChange(w, 5000);
      await vol.update({ 'client-ca.crt': b.certPem });
      const { bundle } = await change;
      expect(bundle.certificates[0]?.subject[0]?.[0]?.value).toBe('CA B');
    } finally {
      w.close();
      await vol.remove();
    }
  });

  it('keeps the last good bundle when the new one is empty or malformed, and says so', async () => {
    const vol = await SecretVolume.create(undefined, { 'client-ca.crt': a.certPem });
    const { lines, logger } = capturingLogger();
    const metrics = createTargetAuthMetrics();
    const w = await CaBundleWatcher.open({ file: vol.path('client-ca.crt'), watchHint: false, logger, metrics });
    try {
      await vol.update({ 'client-ca.crt': '' });
      await w.checkNow();
      await vol.update({ 'client-ca.crt': '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n' });
      await w.checkNow();
      expect(w.current().generation).toBe(1);
      expect(w.current().certificates[0]?.subject[0]?.[0]?.value).toBe('CA A');
      const warnings = lines.filter((l) => l.level === 'warn').map((l) => (l.obj as { code?: string }).code);
      expect(warnings).toEqual(['TARGET_AUTH_ERR_CA_BUNDLE_EMPTY', 'TARGET_AUTH_ERR_CA_BUNDLE_MALFORMED']);
      expect(await metrics.registry.metrics()).toMatch(/certscrape_target_auth_ca_bundle_reloads_total\{result="error"\} 2/);
      // The same bad content is not reported again on every poll.
      await w.checkNow();
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
      // A good bundle afterwards is taken.
      await vol.update({ 'client-ca.crt': b.certPem });
      await w.checkNow();
      expect(w.current().generation).toBe(2);
      expect(w.current().certificates[0]?.subject[0]?.[0]?.value).toBe('CA B');
    } finally {
      w.close();
      await vol.remove();
    }
  });

  it('keeps the last good bundle when the file disappears', async () => {
    const vol = await SecretVolume.create(undefined, { 'client-ca.crt': a.certPem });
    const { lines, logger } = capturingLogger();
    const w = await CaBundleWatcher.open({ file: vol.path('client-ca.crt'), watchHint: false, logger });
    try {
      await vol.remove();
      await w.checkNow();
      expect(w.current().generation).toBe(1);
      expect(lines.some((l) => l.level === 'warn' && /cannot read/.test(l.msg))).toBe(true);
    } finally {
      w.close();
    }
  });
});
