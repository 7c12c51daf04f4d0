import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClusterFromInject, localClusterHandleFromInject } from '@certscrape/local-cluster/testing';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';
import type { TestLeaf } from '@certscrape/pkcs/testing';
import { findSecretMaterial, pemBodyLines } from './support/secret-scan.js';
import { BINS, WORKSPACE_ROOT, nodeBin } from './support/workspace-bins.js';
import type { BinName } from './support/workspace-bins.js';

// The process-shell contract every certscrape bin shares (process-kit's runMain), checked on the
// five BUILT bins as black boxes: `--version` (exit 0, `<bin> <version>`), a bad flag (exit 2, one
// stderr line `<bin>: CODE: message`), a missing file (exit 1, the same line last), and no log
// line carrying key or token material. Needs `npx nx run-many -t build` first.

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(bin: BinName, args: readonly string[], options: { untilLine?: RegExp; thenSignal?: NodeJS.Signals; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const [node, script] = nodeBin(bin);
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      if (options.untilLine && options.untilLine.test(stdout)) {
        options.untilLine = undefined;
        // Let it work for a moment at full verbosity, then stop it the way Kubernetes does.
        setTimeout(() => child.kill(options.thenSignal ?? 'SIGTERM'), 1_500);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const NAMES: Record<Exclude<BinName, 'nodeMetricsServer'>, string> = {
  cluster: 'certscrape-cluster',
  csrApprover: 'certscrape-csr-approver',
  monitoringOperator: 'certscrape-monitoring-operator',
  scraperProxy: 'certscrape-scraper-proxy',
  targetAuth: 'certscrape-target-auth',
};
type Bin = keyof typeof NAMES;

const version = (bin: Bin): string => (JSON.parse(readFileSync(join(WORKSPACE_ROOT, BINS[bin], '../../package.json'), 'utf8')) as { version: string }).version;
const errorLine = (bin: Bin) => new RegExp(`^${NAMES[bin]}: [A-Z][A-Z0-9_]+: \\S.*$`);

/** Every line but the last of stderr is a JSON log line (the cluster CLI logs there); the last is the error line. */
function expectStartupError(bin: Bin, r: Run, exit: number): void {
  expect(r.code, r.stderr).toBe(exit);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toMatch(errorLine(bin));
  for (const l of lines.slice(0, -1)) expect(() => JSON.parse(l), l).not.toThrow();
  for (const l of r.stdout.split('\n').filter((x) => x !== '')) expect(() => JSON.parse(l), `stdout: ${l}`).not.toThrow();
}

const missing = '/nonexistent/certscrape';
const BAD_FLAG: Record<Bin, string[]> = {
  cluster: ['--no-such-flag'],
  csrApprover: ['--no-such-flag'],
  monitoringOperator: ['--no-such-flag'],
  scraperProxy: ['--cert-file', 'c', '--key-file', 'k', '--insecure-skip-upstream-verify', '--no-such-flag'],
  targetAuth: ['--secure-listen-address', '127.0.0.1:0', '--upstream', 'http://127.0.0.1:1/', '--client-ca-file', 'ca', '--no-such-flag'],
};
const MISSING_FILE: Record<Bin, string[]> = {
  cluster: ['down', '--state-dir', missing],
  csrApprover: ['--kubeconfig', `${missing}/kubeconfig`, '--leader-elect=false'],
  monitoringOperator: ['--kubeconfig', `${missing}/kubeconfig`, '--leader-elect=false'],
  scraperProxy: ['--cert-file', `${missing}/tls.crt`, '--key-file', `${missing}/tls.key`, '--insecure-skip-upstream-verify', '--listen-address', '127.0.0.1:0', '--metrics-bind-address', '127.0.0.1:0'],
  targetAuth: ['--secure-listen-address', '127.0.0.1:0', '--upstream', 'http://127.0.0.1:1/', '--client-ca-file', `${missing}/ca.crt`],
};

describe.each(Object.keys(NAMES) as Bin[])('%s: the process-shell contract', (bin) => {
  it('--version prints "<bin> <version>" and exits 0', async () => {
    const r = await run(bin, ['--version']);
    expect(r).toEqual({ code: 0, stdout: `${NAMES[bin]} ${version(bin)}\n`, stderr: '' });
  });

  it('a bad flag exits 2 with exactly one stderr line "<bin>: CODE: message"', async () => {
    const r = await run(bin, BAD_FLAG[bin]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${NAMES[bin]}: [A-Z][A-Z0-9_]+: [^\\n]+\\n$`));
    expect(r.stdout).toBe('');
  });

  it('a missing file is a start failure: exit 1, the error line last, logs as JSON', async () => {
    expectStartupError(bin, await run(bin, MISSING_FILE[bin]), 1);
  });
});

describe('no log line of any bin carries key or token material', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bins-contract-'));
  let admin: { kubeconfig: string; keyBody: string[] };
  let token: { kubeconfig: string; token: string };
  let pair: TestLeaf;
  let other: TestLeaf;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const info = localClusterFromInject();
    const kc = parseYaml(readFileSync(info.kubeconfig, 'utf8')) as { users: { user: Record<string, string> }[] };
    const user = kc.users[0]?.user ?? {};
    const keyPem = user['client-key-data'] ? Buffer.from(user['client-key-data'], 'base64').toString('utf8') : readFileSync(user['client-key'] as string, 'utf8');
    admin = { kubeconfig: info.kubeconfig, keyBody: pemBodyLines(keyPem) };
    const cluster = await localClusterHandleFromInject();
    const saKc = await cluster.serviceAccountKubeconfig({ namespace: 'default', name: 'bins-contract-no-rights', out: join(dir, 'sa.kubeconfig') });
    const saUser = (parseYaml(readFileSync(saKc, 'utf8')) as { users: { user: { token: string } }[] }).users[0]?.user;
    token = { kubeconfig: saKc, token: saUser?.token ?? '' };
    expect(token.token).toMatch(/^eyJ/);
    const ca = await createTestCa({ commonName: 'bins-contract CA' });
    [pair, other] = await Promise.all([issueTestLeaf(ca, { commonName: 'scraper' }), issueTestLeaf(ca, { commonName: 'scraper' })]);
  }, 120_000);

  it('csr-approver at trace level with a client-key kubeconfig (found through KUBECONFIG=missing:a), then with a token it may not use', async () => {
    const flags = ['--leader-elect=false', '--log-level=trace', '--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=127.0.0.1:0'];
    // KUBECONFIG=a:b as kubectl reads it: the missing entry is skipped, the admin file is used.
    const env = { PATH: process.env['PATH'], HOME: dir, KUBECONFIG: `${join(dir, 'missing.kubeconfig')}:${admin.kubeconfig}` };
    const ok = await run('csrApprover', flags, { untilLine: /"msg":"csr approver started"/, env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('"kubeconfigSource":"KUBECONFIG"');
    const denied = await run('csrApprover', ['--kubeconfig', token.kubeconfig, ...flags]);
    expectStartupError('csrApprover', denied, 1);
    const findings = [
      ...findSecretMaterial(ok.stdout + ok.stderr, 'approver (admin)', admin.keyBody),
      ...findSecretMaterial(denied.stdout + denied.stderr, 'approver (token)', [token.token]),
    ];
    expect(findings).toEqual([]);
  });

  it('scraper-proxy at trace level: a running pair, then a key where the certificate should be', async () => {
    writeFileSync(join(dir, 'tls.crt'), pair.certPem);
    writeFileSync(join(dir, 'tls.key'), pair.keyPem);
    writeFileSync(join(dir, 'key-as-cert.crt'), other.keyPem);
    writeFileSync(join(dir, 'token'), token.token);
    const common = ['--insecure-skip-upstream-verify', '--listen-address', '127.0.0.1:0', '--metrics-bind-address', '127.0.0.1:0', '--log-level', 'trace', '--token-file', join(dir, 'token'), '--token-targets', 'legacy.example:8443'];
    const ok = await run('scraperProxy', ['--cert-file', join(dir, 'tls.crt'), '--key-file', join(dir, 'tls.key'), ...common], { untilLine: /"msg":"listening"/ });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await run('scraperProxy', ['--cert-file', join(dir, 'key-as-cert.crt'), '--key-file', join(dir, 'tls.key'), ...common]);
    expectStartupError('scraperProxy', bad, 1);
    const planted = [...pemBodyLines(pair.keyPem), ...pemBodyLines(other.keyPem), token.token];
    expect([...findSecretMaterial(ok.stdout + ok.stderr, 'proxy (running)', planted), ...findSecretMaterial(bad.stdout + bad.stderr, 'proxy (refused)', planted)]).toEqual([]);
  });

  it('target-auth sidecar: a serving pair whose key does not match is refused without echoing either key', async () => {
    writeFileSync(join(dir, 'serving.crt'), pair.certPem);
    writeFileSync(join(dir, 'serving.key'), other.keyPem);
    writeFileSync(join(dir, 'ca.crt'), pair.certPem);
    const r = await run('targetAuth', ['--secure-listen-address', '127.0.0.1:0', '--upstream', 'http://127.0.0.1:1/', '--client-ca-file', join(dir, 'ca.crt'), '--tls-cert-file', join(dir, 'serving.crt'), '--tls-private-key-file', join(dir, 'serving.key'), '--v=10']);
    expectStartupError('targetAuth', r, 1);
    expect(findSecretMaterial(r.stdout + r.stderr, 'sidecar', [...pemBodyLines(pair.keyPem), ...pemBodyLines(other.keyPem)])).toEqual([]);
  });
});
