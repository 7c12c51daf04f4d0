// kube-apiserver flapping: stopped and started several times within a minute, as in a crash loop
// — each time it runs only a few seconds, often killed again before it is even ready. Certificate
// scrapes never need it; the operator's and the mirrors' watches must come back after the last start.
import { setTimeout as sleep } from 'node:timers/promises';
import { secondsBetween, type Fault } from './fault.js';

/** Stop/start cycles. */
export const FLAP_CYCLES = 3;
/** How long kube-apiserver stays down in each cycle (ms). */
const DOWN_MS = 3000;
/** How long it runs before the next stop (ms); the last start is left running. */
const UP_MS = 6000;

export const apiserverFlapFault: Fault<undefined> = {
  key: 'apiserverFlapping',
  what: `stop and start kube-apiserver ${FLAP_CYCLES} times (${DOWN_MS / 1000}s down, ${UP_MS / 1000}s up), then ask the operator for a new pair`,
  async run(ctx) {
    const { serial } = await ctx.installedPair();
    const firstStop = new Date();
    let lastStart = firstStop;
    const readyBeforeStop: boolean[] = [];
    for (let i = 0; i < FLAP_CYCLES; i++) {
      await ctx.cluster.stopApiserver();
      await sleep(DOWN_MS);
      lastStart = new Date();
      // The pid is recorded before the promise waits for /readyz, so the next stop finds it.
      const starting = ctx.cluster.startApiserver();
      if (i === FLAP_CYCLES - 1) {
        await starting;
        break;
      }
      let ready = false;
      await Promise.race([starting.then(() => (ready = true)), sleep(UP_MS)]);
      readyBeforeStop.push(ready);
      // Killed while still starting, the start rejects ("exited before it was ready"): that is the flap.
      void starting.catch(() => undefined);
    }
    const readyAt = new Date();
    // Recovered: the operator's watches are back and it issues when asked.
    await ctx.deleteCertSecret();
    const settled = await ctx.waitSettled(serial);
    return {
      // From the last start (kube-apiserver becoming ready included) to a new pair issued on request.
      recoverySeconds: secondsBetween(lastStart, settled.at),
      details: {
        cycles: FLAP_CYCLES,
        firstStopToLastStartSeconds: secondsBetween(firstStop, lastStart),
        readyBeforeEachStop: readyBeforeStop,
        lastStartToReadySeconds: secondsBetween(lastStart, readyAt),
        csrsLeft: settled.csrsLeft,
        newSerial: settled.serial !== serial,
      },
    };
  },
};
