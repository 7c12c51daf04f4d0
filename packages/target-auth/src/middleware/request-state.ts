import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../authn/user-info.js';
import { normalizeRequestPath, type NormalizedPath } from '../authz/path.js';

const USER = Symbol('certscrape.target-auth.user');
const PATH = Symbol('certscrape.target-auth.path');

type WithState = IncomingMessage & { [USER]?: UserInfo; [PATH]?: NormalizedPath };

/** The user the authentication middleware established for `req`, if any. */
export function getRequestUser(req: IncomingMessage): UserInfo | undefined {
  return (req as WithState)[USER];
}

/** Records the authenticated user on `req` (authentication middleware only). */
export function setRequestUser(req: IncomingMessage, user: UserInfo): void {
  (req as WithState)[USER] = user;
}

/** `normalizeRequestPath(req.url)`, computed once per request. */
export function requestPath(req: IncomingMessage): NormalizedPath {
  const r = req as WithState;
  let p = r[PATH];
  if (p === undefined) {
    p = normalizeRequestPath(req.url);
    r[PATH] = p;
  }
  return p;
}
