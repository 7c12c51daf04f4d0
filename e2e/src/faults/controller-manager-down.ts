// kube-controller-manager stopped across a rotation deadline: the CSR is approved but nobody signs
// it. The operator must keep the installed pair (still valid), surface the stall, and catch up as
// soon as kube-controller-manager is back.
import { setTimeout as sleep } from 'node:timers/promises';
import { E2eError } from '../support/errors.js';
import { secretData } from '../support/object-watch.js';
import { checkPair, serialOf } from '../support/pair-check.js';
import { waitFor } from '../support/wait-for.js';
import { earliestRotation, ISSUANCE_STALL_SECONDS, hasCondition, pendingCsrName, secondsBetween, type Fault, type InstalledPair } from './fault.js';

const STALLED = 'certscrape_monitoring_operator_issuance_stalled';
/** kube-controller-manager is stopped this long before the deadline (stopping it takes seconds on a loaded machine). */
const LEAD_MS = 8000;

export const controllerManagerDownFault: Fault<InstalledPair> = {
  key: 'controllerManagerDown',
  what: 'stop kube-controller-manager just before the rotation deadline, keep it down until the operator reports the stall, start it again',
  // A pair whose deadline leaves room for the outage before NotAfter, then wait for its deadline.
  async prepare(ctx) {
    const pair = await ctx.freshPairWithMargin(24);
    await sleep(Math.max(0, earliestRotation(pair).getTime() - LEAD_MS - Date.now()));
    return pair;
  },
  async run(ctx, pair) {
    await ctx.cluster.stopControllerManager();
    const stoppedAt = new Date();
    const installed = ctx.certs.last ? secretData(ctx.certs.last)['tls.crt'] : undefined;
    if (!installed || serialOf(installed) !== pair.serial || stoppedAt >= earliestRotation(pair)) {
      throw new E2eError('E2E_ERR_ASSERTION', `kube-controller-manager was not down before the rotation could start at ${earliestRotation(pair).toISOString()} (stopped ${stoppedAt.toISOString()}, installed ${installed ? serialOf(installed) : 'nothing'}, expected ${pair.serial})`);
    }
    // The deadline passes (or less than a minute is left): the operator starts the rotation; the approver approves; nothing signs.
    const approved: string = await waitFor(
      () => {
        const name = pendingCsrName(ctx.pending.last);
        const e = name ? ctx.csrs.events.filter((x) => x.object.metadata?.name === name).at(-1) : undefined;
        return e && e.type !== 'delete' && hasCondition(e.object, 'Approved') ? name : undefined;
      },
      { what: 'the rotation CSR approved (and unsigned)', timeoutMs: Math.max(0, pair.rotationDeadline.getTime() - Date.now()) + 60_000, intervalMs: 200 },
    );
    // When the rotation began: the pending-state event that first named this CSR.
    const began = ctx.pending.events.find((e) => pendingCsrName(e) === approved)?.atMs ?? Date.now();
    let stall: { gauge: number | undefined; events: number; seconds: number } | undefined;
    if (ctx.stallSurfacing) {
      stall = await waitFor(
        async () => {
          const gauge = await ctx.operatorMetric(STALLED);
          const events = await ctx.secretEvents('IssuanceStalled', stoppedAt);
          return gauge === 1 && events > 0 ? { gauge, events, seconds: secondsBetween(began, new Date()) } : undefined;
        },
        { what: `${STALLED} = 1 and a Warning Event IssuanceStalled on the Secret`, timeoutMs: (ISSUANCE_STALL_SECONDS + 20) * 1000, intervalMs: 250 },
      );
    } else {
      await sleep((ISSUANCE_STALL_SECONDS + 2) * 1000);
    }
    // While nobody signs, the Secret still holds the old pair, matching and valid.
    const held = secretData(ctx.certs.last ?? { atMs: 0, type: 'delete', object: {} });
    const keptValidPair =
      held['tls.crt'] !== undefined && serialOf(held['tls.crt']) === pair.serial && (await checkPair(held['tls.crt'], held['tls.key'])) === 'match' && pair.notAfter.getTime() > Date.now();
    await ctx.cluster.startControllerManager();
    const startedAt = new Date();
    const settled = await ctx.waitSettled(pair.serial);
    const stallCleared = ctx.stallSurfacing
      ? await waitFor(async () => ((await ctx.operatorMetric(STALLED)) === 0 ? true : undefined), { what: `${STALLED} back to 0`, timeoutMs: 30_000 }).catch(() => false)
      : undefined;
    return {
      recoverySeconds: secondsBetween(startedAt, settled.at),
      details: {
        downSeconds: secondsBetween(stoppedAt, startedAt),
        rotationBeganSecondsAfterStop: secondsBetween(stoppedAt, began),
        rotationWaitedSecondsForSigner: secondsBetween(began, startedAt),
        secondsLeftOnOldPairAtCatchUp: secondsBetween(settled.at, pair.notAfter),
        approvedUnsignedCsr: approved,
        keptValidPair,
        stallSurfacing: ctx.stallSurfacing,
        ...(stall ? { stalledGauge: stall.gauge, stalledEvents: stall.events, stallSeenSecondsAfterRotationBegan: stall.seconds, stallCleared } : {}),
        csrsLeft: settled.csrsLeft,
        newSerial: settled.serial !== pair.serial,
      },
    };
  },
};
