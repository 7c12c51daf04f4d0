import type { AllowPaths } from '../authz/allow-paths.js';
import { stripIdentityHeaders } from '../middleware/identity-headers.js';
import { requestPath } from '../middleware/request-state.js';
import type { RequestHandler } from '../middleware/types.js';

/**
 * kube-rbac-proxy's `--ignore-paths`: a request whose normalised path matches one of the
 * patterns goes to `bypass` (the upstream proxy) without authentication or authorization, with
 * identity headers stripped (nothing client-sent can claim an identity there either); every
 * other request goes to `next`. An empty pattern list sends everything to `next`.
 */
export function withIgnorePaths(ignorePaths: AllowPaths | undefined, bypass: RequestHandler, next: RequestHandler): RequestHandler {
  if (ignorePaths === undefined) return next;
  return (req, res) => {
    const p = requestPath(req);
    if (p.ok && ignorePaths.allows(p.path)) {
      stripIdentityHeaders(req);
      bypass(req, res);
      return;
    }
    next(req, res);
  };
}
