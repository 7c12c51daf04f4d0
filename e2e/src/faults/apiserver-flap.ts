// kube-apiserver stopped and started several times within a minute. Certificate scrapes never
// need it; the operator's and the mirrors' watches must come back after the last start.
import { setTimeout as sleep } from 'node:timers/promises';
import { secondsBetween, type Fault } from './fault.js';

/** Stop/start cycles. */
export const FLAP_CYCLES = 3;
/** How long kube-apiserver stays down in each cycle (ms). */
const DOWN_MS = 3000;

export const apiserverFlapFault: Fault<undefined> = {
  key: 'apiserverFlapping',
  what: `stop and start kube-apiserver ${FLAP_CYCLES} times, ${DOWN_MS / 1000}s down each time, then ask the operator for a new pair`,
  async run(ctx) {
    const { serial } = await ctx.installedPair();
    const firstStop = new Date();
    let lastStart = firstStop;
    for (let i = 0; i < FLAP_CYCLES; i++) {
      await ctx.cluster.stopApiserver();
      await sleep(DOWN_MS);
      lastStart = new Date();
      // Resolves once /readyz answers: on a loaded machine that takes most of a cycle.
      await ctx.cluster.startApiserver();
    }
    // Recovered: the operator's watches are back and it issues when asked.
    await ctx.deleteCertSecret();
    const settled = await ctx.waitSettled(serial);
    return {
      // From the last start (kube-apiserver becoming ready included) to a new pair issued on request.
      recoverySeconds: secondsBetween(lastStart, settled.at),
      details: { cycles: FLAP_CYCLES, firstStopToLastStartSeconds: secondsBetween(firstStop, lastStart), csrsLeft: settled.csrsLeft, newSerial: settled.serial !== serial },
    };
  },
};
