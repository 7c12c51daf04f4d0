import { isIP } from 'node:net';
import { ProxyError } from './errors.js';

/** A network endpoint. `host` is lower-case, without IPv6 brackets; `authority` is the canonical `host:port` (`[v6]:port`). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
  readonly authority: string;
}

// RFC 1123 labels; underscores are tolerated because Kubernetes/Consul names sometimes carry them.
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** Builds the canonical form of a host and port; throws PROXY_ERR_HOST_PORT on an invalid host or port. */
export function hostPort(host: string, port: number): HostPort {
  const h = host.toLowerCase();
  if (!(isIP(h) !== 0 || HOSTNAME.test(h))) throw new ProxyError('PROXY_ERR_HOST_PORT', `invalid host ${JSON.stringify(host)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ProxyError('PROXY_ERR_HOST_PORT', `invalid port ${port}`);
  return { host: h, port, authority: `${isIP(h) === 6 ? `[${h}]` : h}:${port}` };
}

/**
 * Parses `host:port`, `[v6]:port`, or (when `defaultPort` is given) a bare `host` / `[v6]`.
 * Throws PROXY_ERR_HOST_PORT when malformed. Port 0 is allowed (listen on any free port).
 */
export function parseHostPort(text: string, defaultPort?: number): HostPort {
  const s = text.trim();
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw new ProxyError('PROXY_ERR_HOST_PORT', `invalid address ${JSON.stringify(text)}: unclosed "["`);
    host = s.slice(1, end);
    const rest = s.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new ProxyError('PROXY_ERR_HOST_PORT', `invalid address ${JSON.stringify(text)}`);
    portText = rest === '' ? undefined : rest.slice(1);
    if (isIP(host) !== 6) throw new ProxyError('PROXY_ERR_HOST_PORT', `invalid IPv6 address in ${JSON.stringify(text)}`);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf(':') !== colon) {
      throw new ProxyError('PROXY_ERR_HOST_PORT', `invalid address ${JSON.stringify(text)}: put IPv6 addresses in brackets`);
    }
    host = colon >= 0 ? s.slice(0, colon) : s;
    portText = colon >= 0 ? s.slice(colon + 1) : undefined;
  }
  let port: number;
  if (portText === undefined) {
    if (defaultPort === undefined) throw new ProxyError('PROXY_ERR_HOST_PORT', `invalid address ${JSON.stringify(text)}: a port is required`);
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portText)) throw new ProxyError('PROXY_ERR_HOST_PORT', `invalid port in ${JSON.stringify(text)}`);
    port = Number(portText);
  }
  return hostPort(host, port);
}
