import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../authn/user-info.js';
import type { AuthorizationDecision, Authorizer } from '../authz/authorizer.js';
import type { NormalizedPath } from '../authz/path.js';
import { verbForMethod } from '../authz/verb.js';
import { silentLogger } from '../logger.js';
import { noopMetrics } from '../metrics.js';
import { getRequestUser, requestPath } from './request-state.js';
import { INTERNAL_ERROR, forbidden, type PlainResponse } from './responses.js';
import { isPromise, type MiddlewareConfig, type RequestHandler, type StepOutcome } from './types.js';
import { stepMiddleware } from './with-authentication.js';

/** Options of {@link withAuthorization} beyond the shared ones. */
export interface AuthorizationConfig extends MiddlewareConfig {
  /**
   * Rewrite `req.url` to the normalised path (+ original query) when they differ, so the
   * handler/upstream sees exactly the path that was authorized. Default true.
   * When false, a request whose path is not already canonical is denied (403) instead.
   */
  readonly rewriteUrl?: boolean;
}

/**
 * The authorization step (after authentication): method -> verb, path normalised (a path that
 * cannot be normalised is denied), `authorizer` asked. Denied -> 403 naming user, verb, path;
 * no recorded user or an authorizer error -> 500 (fail closed, cause logged).
 */
export function createAuthorizationStep(authorizer: Authorizer, config: AuthorizationConfig): (req: IncomingMessage) => StepOutcome | Promise<StepOutcome> {
  const metrics = config.metrics ?? noopMetrics;
  const logger = config.logger ?? silentLogger;
  const decisionLog = config.decisionLog;
  const rewrite = config.rewriteUrl ?? true;

  return (req) => {
    const user = getRequestUser(req);
    if (user === undefined) {
      metrics.decision('none', 'error');
      logger.error({ path: req.url }, 'authorization ran without an authenticated user (composition error)');
      return INTERNAL_ERROR;
    }
    const method = user.authenticatedBy;
    const verb = verbForMethod(req.method);
    const p = requestPath(req);
    if (!p.ok || (!rewrite && p.changed)) {
      metrics.decision(method, 'forbidden');
      const reason = p.ok ? 'path is not canonical' : p.reason;
      decisionLog?.info({ method, user: user.name, verb, path: req.url, result: 'forbidden', reason }, 'request denied');
      return forbidden(user.name, verb, req.url ?? '');
    }
    let d: AuthorizationDecision | Promise<AuthorizationDecision>;
    try {
      d = authorizer.authorize({ user, verb, path: p.path });
    } catch (err) {
      return fail(method, p.path, err);
    }
    // (No closure per request on the synchronous path: the decision is applied directly.)
    return isPromise(d) ? d.then((x) => decide(req, user, verb, p, x), (err: unknown) => fail(method, p.path, err)) : decide(req, user, verb, p, d);
  };

  function decide(req: IncomingMessage, user: UserInfo, verb: string, p: NormalizedPath & { ok: true }, d: AuthorizationDecision): StepOutcome {
    const method = user.authenticatedBy;
    if (!d.allowed) {
      metrics.decision(method, 'forbidden');
      decisionLog?.info({ method, user: user.name, verb, path: p.path, result: 'forbidden', reason: d.reason }, 'request denied');
      return forbidden(user.name, verb, p.path);
    }
    metrics.decision(method, 'allowed');
    decisionLog?.info({ method, user: user.name, verb, path: p.path, result: 'allowed', reason: d.reason }, 'request allowed');
    if (p.changed) req.url = p.query === '' ? p.encodedPath : `${p.encodedPath}?${p.query}`;
    return undefined;
  }

  function fail(method: UserInfo['authenticatedBy'], path: string, err: unknown): PlainResponse {
    metrics.decision(method, 'error');
    logger.error({ err: (err as Error)?.message, path }, 'authorization failed with an internal error');
    return INTERNAL_ERROR;
  }
}

/** node:http(s) authorization middleware: runs {@link createAuthorizationStep}, answers 403/500 itself, else `next`. */
export function withAuthorization(authorizer: Authorizer, config: AuthorizationConfig, next: RequestHandler): RequestHandler {
  return stepMiddleware(createAuthorizationStep(authorizer, config), next, config.logger);
}
