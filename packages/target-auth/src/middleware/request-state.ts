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

// Scrapers request the same few URLs over and over: remember their (immutable) normalisations.
const PATH_CACHE_LIMIT = 512;
let pathCache = new Map<string, NormalizedPath>();

/** `normalizeRequestPath(req.url)`, computed once per request (and memoised per distinct URL). */
export function requestPath(req: IncomingMessage): NormalizedPath {
  const r = req as WithState;
  let p = r[PATH];
  if (p === undefined) {
    const url = req.url ?? '';
    p = pathCache.get(url);
    if (p === undefined) {
      p = Object.freeze(normalizeRequestPath(url));
      if (pathCache.size >= PATH_CACHE_LIMIT) pathCache = new Map();
      pathCache.set(url, p);
    }
    r[PATH] = p;
  }
  return p;
}
