import type { IncomingMessage } from 'node:http';
import { INTERNAL_ERROR } from './responses.js';
import { isPromise, type StepOutcome } from './types.js';

/** One middleware step: undefined = continue, a response = stop and send it. */
export type Step = (req: IncomingMessage) => StepOutcome | Promise<StepOutcome>;

/**
 * Runs `steps` in order until one answers; calls `done` exactly once with the answer
 * (undefined when every step passed; 500 when a step rejects). Stays synchronous while the steps do.
 */
export function runSteps(steps: readonly Step[], req: IncomingMessage, done: (outcome: StepOutcome) => void, from = 0): void {
  for (let i = from; i < steps.length; i++) {
    const o = (steps[i] as Step)(req);
    if (isPromise(o)) {
      // A step that rejects is answered 500 (fail closed), never left as an unhandled rejection.
      o.then(
        (r) => (r === undefined ? runSteps(steps, req, done, i + 1) : done(r)),
        () => done(INTERNAL_ERROR),
      );
      return;
    }
    if (o !== undefined) {
      done(o);
      return;
    }
  }
  done(undefined);
}
