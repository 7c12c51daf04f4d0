import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyFixtures } from './testing/fixtures.js';
import type { ProxyFixtures } from './testing/fixtures.js';
import { SecretVolume } from '@certscrape/local-cluster/testing';

const bin = join(import.meta.dirname, '..', 'bin', 'certscrape-scraper-proxy.js');
const built = join(import.meta.dirname, '..', 'dist', 'main.js');

let fx: ProxyFixtures;
let root: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run "npx nx build @certscrape/scraper-proxy" (the integration target does)`);
  fx = await createProxyFixtures();
  root = await mkdtemp(join(tmpdir(), 'scraper-proxy-exit-'));
});

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

/** Collects the JSON log lines of a child and lets a test wait for one. */
function logLines(proc: ChildProcess) {
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  createInterface({ input: proc.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.match(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  return {
    lines,
    waitFor(match: (l: Record<string, unknown>) => boolean, what: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log line "${what}"; saw ${JSON.stringify(lines.map((l) => l['msg']))}`)), timeoutMs);
        waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

function exited(proc: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the process did not exit')), timeoutMs);
    proc.once('exit', (code) => (clearTimeout(timer), resolve(code)));
  });
}

describe('certscrape-scraper-proxy --exit-on-change (the built bin)', () => {
  it('does not exit at start, on unchanged content or on a refused pair, and exits 0 when a new valid pair is mounted', async () => {
    const volume = await SecretVolume.create(join(root, 'metrics-client-certs'), { 'tls.crt': fx.clientA.certPem, 'tls.key': fx.clientA.keyPem });
    const caFile = join(root, 'ca.crt');
    await writeFile(caFile, fx.servingCa.certPem);
    child = spawn(
      process.execPath,
      [
        bin,
        '--listen-address', '127.0.0.1:0',
        '--metrics-bind-address', '127.0.0.1:0',
        '--cert-file', volume.path('tls.crt'),
        '--key-file', volume.path('tls.key'),
        '--upstream-ca-file', caFile,
        '--poll-interval', '50ms',
        '--exit-on-change',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const logs = logLines(child);
    await logs.waitFor((l) => l['msg'] === 'listening', 'listening');

    // Same bytes in a new ..data generation (what kubelet does on a resync): not a change.
    await volume.update({ 'tls.crt': fx.clientA.certPem, 'tls.key': fx.clientA.keyPem });
    // Then a pair that must be refused: not a change either. Its log line proves the polls above have happened.
    await volume.update({ 'tls.crt': fx.clientB.certPem, 'tls.key': fx.clientA.keyPem });
    await logs.waitFor((l) => l['code'] === 'PROXY_ERR_PAIR_MISMATCH', 'refused mismatched pair');
    expect(child.exitCode).toBeNull();

    await volume.update({ 'tls.crt': fx.clientB.certPem, 'tls.key': fx.clientB.keyPem });
    expect(await exited(child, 30_000)).toBe(0);
    expect(logs.lines.some((l) => l['msg'] === 'client certificate changed and --exit-on-change is set')).toBe(true);
  });

  it('exits 1 with a coded log line when the pair is unusable at start', async () => {
    const volume = await SecretVolume.create(join(root, 'bad-certs'), { 'tls.crt': fx.clientA.certPem, 'tls.key': fx.clientB.keyPem });
    const proc = spawn(
      process.execPath,
      [bin, '--listen-address', '127.0.0.1:0', '--metrics-bind-address', '127.0.0.1:0', '--cert-file', volume.path('tls.crt'), '--key-file', volume.path('tls.key'), '--insecure-skip-upstream-verify', '--exit-on-change'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const logs = logLines(proc);
    expect(await exited(proc, 30_000)).toBe(1);
    expect(logs.lines.find((l) => l['msg'] === 'cannot start')?.['code']).toBe('PROXY_ERR_PAIR_MISMATCH');
  });

  it('closes gracefully and exits 0 on SIGTERM', async () => {
    const volume = await SecretVolume.create(join(root, 'sigterm-certs'), { 'tls.crt': fx.clientA.certPem, 'tls.key': fx.clientA.keyPem });
    const proc = spawn(
      process.execPath,
      [bin, '--listen-address', '127.0.0.1:0', '--metrics-bind-address', '127.0.0.1:0', '--cert-file', volume.path('tls.crt'), '--key-file', volume.path('tls.key'), '--insecure-skip-upstream-verify'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const logs = logLines(proc);
    await logs.waitFor((l) => l['msg'] === 'listening', 'listening');
    proc.kill('SIGTERM');
    expect(await exited(proc, 30_000)).toBe(0);
    expect(logs.lines.some((l) => l['msg'] === 'shutting down' && l['reason'] === 'SIGTERM')).toBe(true);
  });
});
