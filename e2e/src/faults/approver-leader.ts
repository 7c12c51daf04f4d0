// The csr-approver leader killed while a CSR waits for its decision. The leader is frozen first
// (so the CSR is certainly still pending when it dies, and the standby cannot have decided it),
// then SIGKILLed; the standby takes the Lease when it expires and decides the CSR.
import { pauseProcess } from '../support/process-pause.js';
import { waitFor } from '../support/wait-for.js';
import { hasCondition, secondsBetween, type Fault } from './fault.js';

export const approverLeaderKilledFault: Fault<undefined> = {
  key: 'approverLeaderKilled',
  what: 'SIGKILL the leading csr-approver replica while the operator\'s CSR is pending; the other replica takes over',
  async run(ctx) {
    const { serial } = await ctx.installedPair();
    const leader = await ctx.approverLeader();
    const known = new Set(ctx.csrs.events.map((e) => e.object.metadata?.name ?? ''));
    pauseProcess(leader.process);
    await ctx.deleteCertSecret();
    const csr = await waitFor(() => ctx.csrs.events.find((e) => e.type === 'add' && !known.has(e.object.metadata?.name ?? ''))?.object.metadata?.name, {
      what: 'the operator\'s new CSR',
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const pendingAtKill = !ctx.csrs.events.some((e) => e.object.metadata?.name === csr && hasCondition(e.object, 'Approved'));
    leader.process.killSync();
    const killedAt = new Date();
    const approvedAt = await waitFor(() => (ctx.csrs.events.find((e) => e.object.metadata?.name === csr && hasCondition(e.object, 'Approved')) ? new Date() : undefined), {
      what: `CSR ${csr} approved by the other replica`,
      timeoutMs: 90_000,
      intervalMs: 100,
    });
    const newLeader = await ctx.approverLeader();
    const settled = await ctx.waitSettled(serial);
    await ctx.replaceApprover(leader);
    return {
      recoverySeconds: secondsBetween(killedAt, settled.at),
      details: { csr, pendingAtKill, takeoverToApprovalSeconds: secondsBetween(killedAt, approvedAt), decidedByOtherReplica: newLeader !== leader, csrsLeft: settled.csrsLeft, newSerial: settled.serial !== serial },
    };
  },
};
