/**
 * Helpers for errors thrown by @kubernetes/client-node 1.x (`ApiException` with a numeric `code`)
 * and by its Watch (`statusCode`). They read fields structurally so they also work across
 * duplicated module instances.
 */

/** The HTTP status carried by a client-node error, or undefined for transport errors. */
export function apiStatusCode(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const rec = e as { code?: unknown; statusCode?: unknown };
  if (typeof rec.code === 'number') return rec.code;
  if (typeof rec.statusCode === 'number') return rec.statusCode;
  return undefined;
}

/** 409: the object changed (resourceVersion mismatch) or already exists. */
export function isConflict(e: unknown): boolean {
  return apiStatusCode(e) === 409;
}

/** 404: the object (or the API) does not exist. */
export function isNotFound(e: unknown): boolean {
  return apiStatusCode(e) === 404;
}

/** 410: the requested resourceVersion is too old; a watch must re-list. */
export function isGone(e: unknown): boolean {
  return apiStatusCode(e) === 410;
}

/** 403: the caller is not allowed (RBAC). */
export function isForbidden(e: unknown): boolean {
  return apiStatusCode(e) === 403;
}

/**
 * A short, secret-free description of an API error for logs: status code plus the
 * Kubernetes Status message when the body carries one.
 */
export function describeApiError(e: unknown): string {
  const code = apiStatusCode(e);
  let detail: string | undefined;
  if (typeof e === 'object' && e !== null) {
    const body = (e as { body?: unknown }).body;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === 'string') detail = parsed.message;
      } catch {
        detail = body.slice(0, 300);
      }
    } else if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
      detail = (body as { message: string }).message;
    }
    if (detail === undefined && e instanceof Error) detail = e.message.split('\n')[0];
  }
  return code === undefined ? (detail ?? String(e)) : `HTTP ${code}${detail ? `: ${detail}` : ''}`;
}
