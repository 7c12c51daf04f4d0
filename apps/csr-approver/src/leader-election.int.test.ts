import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { subjectAltNameExtension } from '@certscrape/pkcs';
import { localClusterFromInject, localClusterHandleFromInject } from '@certscrape/local-cluster/testing';
import { conditionTypes, isDecided, kubeConfigFrom, pemCsr, prepareIdentities, readCsr, startApprover, submitCsr, waitForCsr } from './testing/harness.js';
import type { ApproverProcess, Identities } from './testing/harness.js';

const info = localClusterFromInject();
const suffix = Math.random().toString(36).slice(2, 7);
let ids: Identities;
let dir: string;
let replicas: ApproverProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'csr-approver-le-'));
  ids = await prepareIdentities(await localClusterHandleFromInject(), dir);
}, 120_000);
afterEach(async () => {
  const codes = await Promise.all(replicas.map((r) => r.stop()));
  replicas = [];
  expect(codes.every((c) => c === 0)).toBe(true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (...extra: string[]) => {
  const p = startApprover(['--kubeconfig', ids.approver, '--metrics-bind-address=0', '--health-probe-bind-address=127.0.0.1:0', ...extra]);
  replicas.push(p);
  return p;
};

/** Submits `count` CSRs, alternating legitimate and hostile (DNS SAN), and returns their names. */
async function submitBatch(prefix: string, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const csrName = `${prefix}-${suffix}-${i}`;
    const request = i % 2 === 0 ? await pemCsr() : await pemCsr({ extensions: [subjectAltNameExtension([{ type: 'dns', value: 'kubernetes.default' }])] });
    expect(await submitCsr(ids.operator, { name: csrName, request })).toEqual({ created: true });
    names.push(csrName);
  }
  return names;
}

/** Every CSR ends with exactly one approval decision (Approved xor Denied), and one decision log line across all replicas. */
async function expectExactlyOneDecision(names: string[]): Promise<void> {
  for (const [i, csrName] of names.entries()) {
    const csr = await waitForCsr(info, csrName, isDecided, 30_000);
    const decisions = (csr.status?.conditions ?? []).filter((c) => c.type === 'Approved' || c.type === 'Denied');
    expect(decisions, csrName).toHaveLength(1);
    expect(decisions[0]!.type, csrName).toBe(i % 2 === 0 ? 'Approved' : 'Denied');
  }
  await new Promise((r) => setTimeout(r, 1_500));
  for (const csrName of names) {
    const lines = replicas.flatMap((r) => r.decisions()).filter((d) => d.csr === csrName);
    expect(lines, csrName).toHaveLength(1);
    expect(conditionTypes(await readCsr(info, csrName)).filter((t) => t !== 'Failed')).toHaveLength(1);
  }
}

describe('two replicas', () => {
  it('with leader election: one leader decides each CSR exactly once; when it stops, the other takes over', async () => {
    const a = start('--leader-election-namespace=monitoring');
    const b = start('--leader-election-namespace=monitoring');
    const [sa, sb] = await Promise.all([a.started(), b.started()]);
    const leaderLine = await Promise.race([a, b].map((p) => p.waitForLine((l) => l['msg'] === 'became leader', 30_000).then(() => p)));
    const leader = leaderLine;
    const follower = leader === a ? b : a;
    const leaderIdentity = String((leader === a ? sa : sb)['identity']);
    const lease = await kubeConfigFrom(ids.admin).makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: 'monitoring', name: 'certscrape-csr-approver' });
    expect(lease.spec?.holderIdentity).toBe(leaderIdentity);
    expect(lease.spec?.leaseDurationSeconds).toBe(15);

    const first = await submitBatch('le', 6);
    await expectExactlyOneDecision(first);
    expect(follower.decisions()).toEqual([]);
    expect(follower.lines.some((l) => l['msg'] === 'became leader')).toBe(false);

    // The leader shuts down gracefully and releases the Lease: the follower leads within a retry period or two.
    expect(await leader.stop()).toBe(0);
    replicas = replicas.filter((r) => r !== leader);
    await follower.waitForLine((l) => l['msg'] === 'became leader', 15_000);
    const second = await submitBatch('le-after', 4);
    await expectExactlyOneDecision(second);
    expect(follower.decisions().map((d) => d.csr).sort()).toEqual([...second].sort());
  });

  it('without leader election (racing writers): optimistic concurrency still gives each CSR exactly one decision', async () => {
    const a = start('--leader-elect=false', '--metrics-bind-address=127.0.0.1:0', '--metrics-secure=false');
    const b = start('--leader-elect=false', '--metrics-bind-address=127.0.0.1:0', '--metrics-secure=false');
    const started = await Promise.all([a.started(), b.started()]);
    const names = await submitBatch('race', 8);
    await expectExactlyOneDecision(names);
    // How the race went: a loser either hit 409 and re-read, or saw the terminal CSR first and skipped it.
    let conflicts = 0;
    let terminalSkips = 0;
    for (const s of started) {
      const text = await (await fetch(`${String(s['metricsUrl'])}/metrics`)).text();
      conflicts += Number(/approval_write_errors_total\{kind="conflict"\} (\d+)/.exec(text)?.[1] ?? 0);
      terminalSkips += Number(/decisions_total\{result="ignored",reason="terminal"\} (\d+)/.exec(text)?.[1] ?? 0);
    }
    // Evidence only (timing decides the split): the assertions above are what must hold.
    console.log(`racing replicas: ${conflicts} write conflicts resolved by re-reading, ${terminalSkips} terminal skips`);
  });
});
