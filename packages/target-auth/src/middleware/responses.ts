import type { ServerResponse } from 'node:http';

/** A fixed response: status and plain-text body. */
export interface PlainResponse {
  readonly status: number;
  readonly body: string;
}

/** 401: not authenticated (no detail: the reason is logged, not sent). */
export const UNAUTHORIZED: PlainResponse = Object.freeze({ status: 401, body: 'Unauthorized\n' });
/** 404: the path is outside `--allow-paths`. */
export const NOT_FOUND: PlainResponse = Object.freeze({ status: 404, body: '404 page not found\n' });
/** 500: generic; the cause is logged, never sent. */
export const INTERNAL_ERROR: PlainResponse = Object.freeze({ status: 500, body: 'Internal Server Error\n' });

/** 403 naming user, verb and path (as kube-rbac-proxy does); control characters are escaped. */
export function forbidden(user: string, verb: string, path: string): PlainResponse {
  return { status: 403, body: `Forbidden (user=${printable(user)}, verb=${printable(verb)}, path=${printable(path)})\n` };
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes `r` to a node:http response (destroys the socket if headers were already sent). */
export function send(res: ServerResponse, r: PlainResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(r.status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(r.body),
  });
  res.end(r.body);
}
