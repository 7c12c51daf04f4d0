// The built `certscrape-target-auth` bin as a process (run `npx nx build @certscrape/target-auth`
// first; the `integration` target depends on build): flags, serving a real upstream, SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf, type TestCa, type TestLeaf } from '@certscrape/pkcs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsRequest } from './test-support/https-client.js';
import { startUpstream, type Upstream } from './test-support/upstream.js';

const BIN = fileURLToPath(new URL('../bin/certscrape-target-auth.js', import.meta.url));
const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('certscrape-target-auth (built bin)', () => {
  let dir: string;
  let clientCa: TestCa;
  let servingCa: TestCa;
  let scraper: TestLeaf;
  let upstream: Upstream;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'target-auth-bin-'));
    [clientCa, servingCa] = await Promise.all([createTestCa({ commonName: 'metrics client CA' }), createTestCa({ commonName: 'serving CA' })]);
    scraper = await issueTestLeaf(clientCa, { commonName: SCRAPER });
    const serving = await issueTestLeaf(servingCa, { commonName: 'target', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] });
    await writeFile(join(dir, 'client-ca.crt'), clientCa.certPem);
    await writeFile(join(dir, 'tls.crt'), serving.certPem);
    await writeFile(join(dir, 'tls.key'), serving.keyPem);
    await writeFile(join(dir, 'config.yaml'), `authorization:\n  static:\n    - user:\n        name: ${SCRAPER}\n      verb: get\n      path: /metrics\n      resourceRequest: false\n`);
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await upstream?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--help lists the kube-rbac-proxy flags and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const f of ['--secure-listen-address', '--upstream', '--client-ca-file', '--config-file', '--tls-cert-file', '--tls-private-key-file', '--allow-paths', '--kubeconfig']) {
      expect(r.stdout).toContain(f);
    }
  });

  it('exits 2 with a message on bad flags', async () => {
    const r = await run(['--secure-listen-address=127.0.0.1:0']);
    expect(r.code).toBe(2);
    // process-kit's one-line form: `name: CODE: message`, naming the flag.
    expect(r.stderr).toBe('certscrape-target-auth: TARGET_AUTH_ERR_FLAGS_INVALID: --upstream is required, e.g. --upstream=http://127.0.0.1:9100/\n');
  });

  it('exits 2 naming a refused kube-rbac-proxy flag, and prints the version', async () => {
    const r = await run(['--secure-listen-address=127.0.0.1:0', '--upstream=http://127.0.0.1:1/', '--client-ca-file=/x', '--oidc-issuer=https://issuer']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^certscrape-target-auth: TARGET_AUTH_ERR_FLAGS_INVALID: --oidc-issuer is not supported: OIDC authentication is not supported .*\n$/);
    const v = await run(['--version']);
    expect([v.code, v.stdout]).toEqual([0, expect.stringMatching(/^certscrape-target-auth \d+\.\d+\.\d+/)]);
  });

  it('exits 1 with the error code when a file is unusable', async () => {
    const r = await run([
      '--secure-listen-address=127.0.0.1:0',
      `--upstream=http://127.0.0.1:${upstream.port}/`,
      `--client-ca-file=${join(dir, 'missing.crt')}`,
      `--tls-cert-file=${join(dir, 'tls.crt')}`,
      `--tls-private-key-file=${join(dir, 'tls.key')}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('TARGET_AUTH_ERR_CA_BUNDLE_READ');
    expect(r.stdout).not.toContain('PRIVATE KEY');
  });

  it('serves a real upstream behind client-certificate auth, and stops on SIGTERM', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        BIN,
        '--secure-listen-address=127.0.0.1:0',
        `--upstream=http://127.0.0.1:${upstream.port}/`,
        `--client-ca-file=${join(dir, 'client-ca.crt')}`,
        `--config-file=${join(dir, 'config.yaml')}`,
        `--tls-cert-file=${join(dir, 'tls.crt')}`,
        `--tls-private-key-file=${join(dir, 'tls.key')}`,
        '--logtostderr=true',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`no "listening" line; stdout so far: ${out}`)), 15_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"address":"127\.0\.0\.1:(\d+)"/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(Number(m[1]));
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const ok = await httpsRequest({ port, ca: servingCa.certPem, identity: { cert: scraper.chainPem, key: scraper.keyPem } });
      expect(ok.status).toBe(200);
      expect(ok.body).toBe('upstream saw /metrics\n');
      expect((await httpsRequest({ port, ca: servingCa.certPem })).status).toBe(401);
    } finally {
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
