// The Secret deleted, or tampered with (a key that does not match the certificate written into
// tls.key), while a rotation is in flight. The rotation is held at "CSR pending" by freezing the
// approvers just before the deadline, so the fault lands inside it; then the approvers are thawed.
import { setTimeout as sleep } from 'node:timers/promises';
import { exportPrivateKeyPem, generateKeyPair } from '@certscrape/pkcs';
import { pauseProcess, resumeProcess } from '../support/process-pause.js';
import { waitFor } from '../support/wait-for.js';
import { earliestRotation, pendingCsrName, secondsBetween, type Fault, type FaultContext, type FaultOutcome, type InstalledPair } from './fault.js';

async function untilDeadline(ctx: FaultContext): Promise<InstalledPair> {
  const pair = await ctx.freshPairWithMargin(20);
  await sleep(Math.max(0, earliestRotation(pair).getTime() - 1500 - Date.now()));
  return pair;
}

async function duringRotation(ctx: FaultContext, pair: InstalledPair, inject: () => Promise<string | undefined>): Promise<FaultOutcome> {
  const frozen = [...ctx.approvers()];
  for (const a of frozen) pauseProcess(a.process);
  let ownWrite: string | undefined;
  let injectedAt: Date;
  let began: number;
  try {
    const csr = await waitFor(
      () => {
        const name = pendingCsrName(ctx.pending.last);
        return name && ctx.csrs.events.some((e) => e.type === 'add' && e.object.metadata?.name === name) ? name : undefined;
      },
      { what: 'the rotation CSR created (approvers frozen)', timeoutMs: Math.max(0, pair.rotationDeadline.getTime() - Date.now()) + 60_000, intervalMs: 100 },
    );
    injectedAt = new Date();
    began = ctx.pending.events.find((e) => pendingCsrName(e) === csr)?.atMs ?? injectedAt.getTime();
    ownWrite = await inject();
    ctx.log(`  injected during the rotation (CSR ${csr} pending)`);
  } finally {
    for (const a of frozen) resumeProcess(a.process);
  }
  const settled = await ctx.waitSettled(pair.serial);
  return {
    recoverySeconds: secondsBetween(injectedAt, settled.at),
    details: { injectedSecondsAfterRotationBegan: secondsBetween(began, injectedAt), csrsLeft: settled.csrsLeft, newSerial: settled.serial !== pair.serial },
    ...(ownWrite ? { ownWrites: [ownWrite] } : {}),
  };
}

export const secretDeletedFault: Fault<InstalledPair> = {
  key: 'secretDeletedDuringRotation',
  what: 'delete Secret metrics-client-certs while a rotation CSR is pending',
  prepare: untilDeadline,
  run: (ctx, pair) =>
    duringRotation(ctx, pair, async () => {
      await ctx.deleteCertSecret();
      return undefined;
    }),
};

export const secretTamperedFault: Fault<InstalledPair> = {
  key: 'secretTamperedDuringRotation',
  what: 'write a key that does not match the certificate into tls.key while a rotation CSR is pending',
  prepare: untilDeadline,
  run: (ctx, pair) => duringRotation(ctx, pair, async () => ctx.writeCertKey(await exportPrivateKeyPem(await generateKeyPair()))),
};
