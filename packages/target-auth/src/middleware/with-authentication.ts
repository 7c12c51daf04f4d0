import type { IncomingMessage } from 'node:http';
import { methodOf, type RequestAuthenticator } from '../authn/request-authenticator.js';
import type { AuthenticationResult } from '../authn/user-info.js';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import { noopMetrics } from '../metrics.js';
import { stripIdentityHeaders } from './identity-headers.js';
import { setRequestUser } from './request-state.js';
import { INTERNAL_ERROR, UNAUTHORIZED, send, type PlainResponse } from './responses.js';
import { isPromise, type MiddlewareConfig, type RequestHandler, type StepOutcome } from './types.js';

/**
 * The authentication step (shared by every adapter): authenticates `req`; not authenticated ->
 * 401 (reason logged, never sent); authenticator failure -> 500. On success strips identity
 * headers (X-Remote-*, Impersonate-*, Authorization after use) and records the user for
 * `getRequestUser(req)`. Synchronous on the hot path (a cached socket identity).
 */
export function createAuthenticationStep(authenticator: RequestAuthenticator, config: MiddlewareConfig): (req: IncomingMessage) => StepOutcome | Promise<StepOutcome> {
  const metrics = config.metrics ?? noopMetrics;
  const logger = config.logger ?? silentLogger;
  const decisionLog = config.decisionLog;

  const done = (req: IncomingMessage, result: AuthenticationResult): StepOutcome => {
    stripIdentityHeaders(req);
    if (!result.ok) {
      const method = methodOf(result);
      metrics.decision(method, 'unauthenticated');
      decisionLog?.info({ method, result: 'unauthenticated', reason: result.reason, detail: result.detail, path: req.url }, 'request not authenticated');
      return UNAUTHORIZED;
    }
    setRequestUser(req, result.user);
    return undefined;
  };
  const fail = (req: IncomingMessage, err: unknown): PlainResponse => {
    stripIdentityHeaders(req);
    metrics.decision('none', 'error');
    logger.error({ err: (err as Error)?.message, path: req.url }, 'authentication failed with an internal error');
    return INTERNAL_ERROR;
  };

  return (req) => {
    let r: AuthenticationResult | Promise<AuthenticationResult>;
    try {
      r = authenticator.authenticate(req);
    } catch (err) {
      return fail(req, err);
    }
    if (isPromise(r)) {
      return r.then(
        (result) => done(req, result),
        (err: unknown) => fail(req, err),
      );
    }
    return done(req, r);
  };
}

/**
 * node:http(s) authentication middleware: runs {@link createAuthenticationStep}, answers
 * 401/500 itself, otherwise calls `next`.
 */
export function withAuthentication(authenticator: RequestAuthenticator, config: MiddlewareConfig, next: RequestHandler): RequestHandler {
  return stepMiddleware(createAuthenticationStep(authenticator, config), next, config.logger);
}

/**
 * Turns a step into node:http middleware. When the step answers asynchronously, nothing is left to an
 * unhandled rejection: a step that rejects gets 500 (fail closed), and a `next` that throws after the
 * awaited step gets 500 (or the connection is destroyed if its headers were sent), with the cause logged.
 */
export function stepMiddleware(step: (req: IncomingMessage) => StepOutcome | Promise<StepOutcome>, next: RequestHandler, logger: TargetAuthLogger = silentLogger): RequestHandler {
  return (req, res) => {
    const o = step(req);
    if (isPromise(o)) {
      o.then(
        (r) => (r === undefined ? next(req, res) : send(res, r)),
        (err: unknown) => {
          logger.error({ err: (err as Error)?.message, path: req.url }, 'middleware step failed');
          send(res, INTERNAL_ERROR);
        },
      ).catch((err: unknown) => {
        logger.error({ err: (err as Error)?.message, path: req.url }, 'request handler failed after an asynchronous middleware step');
        try {
          send(res, INTERNAL_ERROR);
        } catch {
          res.destroy();
        }
      });
    } else if (o === undefined) {
      next(req, res);
    } else {
      send(res, o);
    }
  };
}
