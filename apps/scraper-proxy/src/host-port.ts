import { isProcessKitError, joinHostPort, parseHostPort as parseGoHostPort } from '@certscrape/process-kit';
import type { HostPort } from '@certscrape/process-kit';
import { ProxyError } from './errors.js';

export type { HostPort };

/** Builds the canonical form of a host and port; throws PROXY_ERR_HOST_PORT on an invalid host or port. */
export function hostPort(host: string, port: number): HostPort {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ProxyError('PROXY_ERR_HOST_PORT', `invalid port ${port}`);
  return parseHostPort(joinHostPort(host, port));
}

/**
 * Parses `host:port` with process-kit's parseHostPort (Go's net.SplitHostPort grammar: `[v6]:port`,
 * and `[1.2.3.4]:port` too); with `defaultPort`, a bare `host` / `[v6]` takes that port (its
 * `defaultPort` option). The host must be an IP literal or DNS name (lower-cased). Throws
 * PROXY_ERR_HOST_PORT. Port 0 is allowed.
 */
export function parseHostPort(text: string, defaultPort?: number): HostPort {
  try {
    return parseGoHostPort(text.trim(), { defaultPort });
  } catch (e) {
    if (isProcessKitError(e)) throw new ProxyError('PROXY_ERR_HOST_PORT', e.message, { cause: e });
    throw e;
  }
}
