import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { AuthHeaderFields } from '../config.js';
import { getRequestUser } from '../middleware/request-state.js';
import type { RequestHandler } from '../middleware/types.js';

/**
 * Removes client-sent copies of the `--auth-header-*-field-name` headers (from `headers` and
 * `rawHeaders`) before anything else sees the request, so the only values the upstream can
 * receive under those names are the ones {@link upstreamIdentityHeaders} sets.
 */
export function withoutClientIdentityFields(fields: AuthHeaderFields | undefined, next: RequestHandler): RequestHandler {
  if (fields === undefined) return next;
  const names = new Set([fields.userField, fields.groupsField].filter((n) => n !== ''));
  return (req, res) => {
    let found = false;
    for (const n of names) {
      if (n in req.headers) {
        delete req.headers[n];
        found = true;
      }
    }
    if (found) {
      const raw = req.rawHeaders;
      const kept: string[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) if (!names.has((raw[i] as string).toLowerCase())) kept.push(raw[i] as string, raw[i + 1] as string);
      raw.length = 0;
      raw.push(...kept);
    }
    next(req, res);
  };
}

/**
 * The headers that tell the upstream who the authenticated user is (kube-rbac-proxy's
 * `--auth-header-fields-enabled`): the user name under `userField`, the groups joined by
 * `separator` under `groupsField` (omitted when there are none, or no field name). Nothing for an
 * unauthenticated request (an `--ignore-paths` bypass).
 */
export function upstreamIdentityHeaders(fields: AuthHeaderFields): (req: IncomingMessage) => OutgoingHttpHeaders {
  return (req) => {
    const user = getRequestUser(req);
    if (user === undefined) return {};
    const out: OutgoingHttpHeaders = { [fields.userField]: user.name };
    if (fields.groupsField !== '' && user.groups.length > 0) out[fields.groupsField] = user.groups.join(fields.separator);
    return out;
  };
}
