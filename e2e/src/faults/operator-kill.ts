// monitoring-operator SIGKILLed at each step of an issuance. Each step is observed black-box, on
// the objects the operator writes, and the kill is sent from inside the watch callback that saw
// the step. Where the next step would follow within milliseconds, the component that takes it is
// held first (approvers frozen: the CSR stays pending; kube-controller-manager stopped: the
// approved CSR stays unsigned), so the kill lands exactly after the step. The issuance is started
// by deleting Secret metrics-client-certs (reason `missing`): the steps are the same for every
// reason, and the phase need not wait for a rotation deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import { secretData } from '../support/object-watch.js';
import { serialOf } from '../support/pair-check.js';
import { pauseProcess, resumeProcess } from '../support/process-pause.js';
import { withTimeout } from '../support/with-timeout.js';
import { hasCondition, pendingCsrName, pendingPhase, secondsBetween, type Fault, type FaultContext, type FaultOutcome } from './fault.js';

/** The four steps, in issuance order. */
export type IssuanceStep = 'keyGeneration' | 'csrCreate' | 'approval' | 'secretWrite';

/** Report key of the row for a step. */
export function killFaultKey(step: IssuanceStep): string {
  return `operatorKilledAfter${step[0]?.toUpperCase()}${step.slice(1)}`;
}

interface Armed {
  /** Resolves once the step was seen and the operator killed, with what stood at that moment. */
  readonly killed: Promise<Record<string, unknown>>;
  /** Undoes the hold (if any), after the kill. */
  readonly release: () => Promise<void>;
}

/** Arms the kill for one step: holds what would race past it, subscribes, kills on sight. */
async function arm(ctx: FaultContext, step: IssuanceStep, before: { serial: string; csrs: ReadonlySet<string> }): Promise<Armed> {
  const isNew = (name: string | undefined): boolean => name !== undefined && !before.csrs.has(name);
  const csrSeen = (name: string | undefined): boolean => ctx.csrs.events.some((e) => e.object.metadata?.name === name);
  switch (step) {
    case 'keyGeneration': {
      // The pending-state Secret names a new CSR and holds its key; the create follows at once, so this races it: the report says which side won.
      const killed = ctx.pending
        .when((e) => isNew(pendingCsrName(e)) && pendingPhase(e) === 'requesting', () => ctx.killOperator())
        .then((e) => ({ observed: 'pending-state Secret with a new key, phase requesting', csr: pendingCsrName(e), csrSeenAtKill: csrSeen(pendingCsrName(e)) }));
      return { killed, release: async () => undefined };
    }
    case 'csrCreate': {
      const frozen = [...ctx.approvers()];
      for (const a of frozen) pauseProcess(a.process);
      const killed = ctx.csrs
        .when((e) => e.type === 'add' && isNew(e.object.metadata?.name), () => ctx.killOperator())
        .then((e) => ({ observed: 'CSR created (approvers frozen)', csr: e.object.metadata?.name, approvedAtKill: hasCondition(e.object, 'Approved') }));
      return { killed, release: async () => frozen.forEach((a) => resumeProcess(a.process)) };
    }
    case 'approval': {
      await ctx.cluster.stopControllerManager();
      const killed = ctx.csrs
        .when((e) => e.type !== 'delete' && isNew(e.object.metadata?.name) && hasCondition(e.object, 'Approved'), () => ctx.killOperator())
        .then((e) => ({ observed: 'CSR Approved (kube-controller-manager stopped)', csr: e.object.metadata?.name, issuedAtKill: Boolean(e.object.status?.certificate) }));
      return { killed, release: () => ctx.cluster.startControllerManager() };
    }
    case 'secretWrite': {
      // After the write the operator deletes the CSR and clears its pending state at once: this races those, the report says how far it got.
      const killed = ctx.certs
        .when(
          (e) => {
            const crt = secretData(e)['tls.crt'];
            return e.type !== 'delete' && crt !== undefined && serialOf(crt) !== before.serial;
          },
          () => ctx.killOperator(),
        )
        .then((e) => ({ observed: 'Secret written with the new pair', csr: pendingCsrName(ctx.pending.last), serial: serialOf(secretData(e)['tls.crt'] ?? '') }));
      return { killed, release: async () => undefined };
    }
  }
}

/** The kill fault for one step. */
export function operatorKillFault(step: IssuanceStep): Fault<undefined> {
  return {
    key: killFaultKey(step),
    what: `SIGKILL monitoring-operator right after the ${step} step of an issuance, start it again`,
    async run(ctx): Promise<FaultOutcome> {
      const { serial } = await ctx.installedPair();
      const csrs = new Set(ctx.csrs.events.map((e) => e.object.metadata?.name ?? ''));
      const armed = await arm(ctx, step, { serial, csrs });
      await ctx.deleteCertSecret();
      const atKill = await withTimeout(armed.killed, 90_000, `the ${step} step of the issuance`);
      const killedAt = new Date();
      // What the dead operator left, once the watches have caught up: how far the step got.
      await sleep(1000);
      const csr = typeof atKill.csr === 'string' ? atKill.csr : undefined;
      const csrEvents = ctx.csrs.events.filter((e) => e.object.metadata?.name === csr);
      const left = { csrExists: csrEvents.length > 0 && csrEvents.at(-1)?.type !== 'delete', pendingIssuance: pendingCsrName(ctx.pending.last) !== undefined };
      await armed.release();
      await ctx.restartOperator();
      const settled = await ctx.waitSettled(serial);
      const created = [...new Set(ctx.csrs.events.map((e) => e.object.metadata?.name ?? ''))].filter((n) => !csrs.has(n));
      return {
        recoverySeconds: secondsBetween(killedAt, settled.at),
        details: { atKill, leftByTheKill: left, csrsCreated: created.length, csrsLeft: settled.csrsLeft, newSerial: settled.serial !== serial },
      };
    },
  };
}

/** The four kill faults, in issuance order. */
export const OPERATOR_KILL_STEPS: readonly IssuanceStep[] = ['keyGeneration', 'csrCreate', 'approval', 'secretWrite'];
