import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TargetAuthLogger } from '../logger.js';
import type { TargetAuthMetrics } from '../metrics.js';
import type { PlainResponse } from './responses.js';

/** A node:http(s) request handler (also what Express apps are). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A middleware step's outcome: undefined = continue, otherwise the response to send instead. */
export type StepOutcome = PlainResponse | undefined;

/** Configuration shared by the middleware. */
export interface MiddlewareConfig {
  /** Decision metrics. Default: none. */
  readonly metrics?: TargetAuthMetrics;
  /** Where causes of 500s and other problems are logged. Default: silent. */
  readonly logger?: TargetAuthLogger;
  /** When set, one `info` line per decision (method, user, verb, path, result, reason). Default: off. */
  readonly decisionLog?: TargetAuthLogger;
}

/** True for thenables (cheaper than `instanceof Promise` across realms). */
export function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function';
}
