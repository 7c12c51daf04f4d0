import type { IncomingMessage } from 'node:http';
import type { AllowPaths } from '../authz/allow-paths.js';
import { noopMetrics } from '../metrics.js';
import { requestPath } from './request-state.js';
import { NOT_FOUND } from './responses.js';
import type { MiddlewareConfig, RequestHandler, StepOutcome } from './types.js';
import { stepMiddleware } from './with-authentication.js';

/**
 * kube-rbac-proxy's `--allow-paths`, before authentication: a request whose normalised path
 * matches none of the patterns (or cannot be normalised) gets 404.
 */
export function createAllowPathsStep(allowPaths: AllowPaths, config: MiddlewareConfig): (req: IncomingMessage) => StepOutcome {
  const metrics = config.metrics ?? noopMetrics;
  return (req) => {
    const p = requestPath(req);
    if (!p.ok || !allowPaths.allows(p.path)) {
      metrics.decision('none', 'not-found');
      return NOT_FOUND;
    }
    return undefined;
  };
}

/** node:http(s) middleware for {@link createAllowPathsStep}. */
export function withAllowPaths(allowPaths: AllowPaths, config: MiddlewareConfig, next: RequestHandler): RequestHandler {
  return stepMiddleware(createAllowPathsStep(allowPaths, config), next, config.logger);
}
