import { isIP } from 'node:net';
import { ProcessKitError } from '../errors.js';

/** A network endpoint: `host` without brackets (may be empty = all interfaces), numeric `port`. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
  /** The canonical `host:port` (IPv6 in brackets). */
  readonly authority: string;
}

function addrErr(address: string, why: string): ProcessKitError {
  return new ProcessKitError('PROCESS_KIT_ERR_HOST_PORT', `address ${JSON.stringify(address)}: ${why}`);
}

/**
 * Splits `host:port` exactly as Go's `net.SplitHostPort`: the port follows the last colon; a host
 * with colons must be bracketed (`[::1]:80`, and `[1.2.3.4]:80` is accepted too, giving
 * `1.2.3.4`); `:80` gives an empty host. The port is returned as text, unchecked (as Go does).
 * Throws PROCESS_KIT_ERR_HOST_PORT with Go's reasons (missing port, too many colons, missing ']',
 * unexpected '[' or ']'). Proved against Go itself in host-port.go-oracle.int.test.ts.
 */
export function splitHostPort(hostport: string): { host: string; port: string } {
  const i = hostport.lastIndexOf(':');
  if (i < 0) throw addrErr(hostport, 'missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) throw addrErr(hostport, "missing ']' in address");
    if (end + 1 === hostport.length) throw addrErr(hostport, 'missing port in address');
    if (end + 1 !== i) {
      if (hostport[end + 1] === ':') throw addrErr(hostport, 'too many colons in address');
      throw addrErr(hostport, 'missing port in address');
    }
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) throw addrErr(hostport, 'too many colons in address');
  }
  if (hostport.slice(j).includes('[')) throw addrErr(hostport, "unexpected '[' in address");
  if (hostport.slice(k).includes(']')) throw addrErr(hostport, "unexpected ']' in address");
  return { host, port: hostport.slice(i + 1) };
}

/** Joins host and port as Go's `net.JoinHostPort`: hosts containing a colon are bracketed. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses a decimal port 0..65535 (no sign, no spaces, no service names). */
export function parsePort(text: string, address = text): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw addrErr(address, `invalid port ${JSON.stringify(text)}`);
  return Number(text);
}

// RFC 1123 labels; underscores are tolerated because Kubernetes/Consul names sometimes carry them.
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** Options of {@link parseHostPort}. */
export interface ParseHostPortOptions {
  /** Accept an empty host (`:8080` = all interfaces, as Go's listeners do). Default false. */
  readonly allowEmptyHost?: boolean;
  /**
   * The port when the text has none: a bare `host` or `[v6]` then means `host:defaultPort`
   * (as a URL authority without a port does). Default: none, so a missing port is refused.
   */
  readonly defaultPort?: number;
}

/**
 * `host:port` as Go's SplitHostPort splits it, then checked: the port is decimal 0..65535 and the
 * host is an IP literal or a DNS name (lower-cased; brackets only around IP literals). With
 * `defaultPort`, a text without a port takes that port. Throws PROCESS_KIT_ERR_HOST_PORT.
 */
export function parseHostPort(text: string, options: ParseHostPortOptions = {}): HostPort {
  if (options.defaultPort !== undefined && missingPort(text)) {
    const host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
    return parseHostPort(joinHostPort(host, options.defaultPort), { ...options, defaultPort: undefined });
  }
  const { host: rawHost, port: portText } = splitHostPort(text);
  const port = parsePort(portText, text);
  const host = rawHost.toLowerCase();
  const bracketed = text.startsWith('[');
  const zoneless = host.split('%')[0] ?? host;
  if (host === '') {
    if (!options.allowEmptyHost || bracketed) throw addrErr(text, 'a host is required');
  } else if (isIP(zoneless) === 0 && (bracketed || !HOSTNAME.test(host))) {
    throw addrErr(text, `invalid host ${JSON.stringify(rawHost)}`);
  }
  return { host, port, authority: joinHostPort(host, port) };
}

function missingPort(text: string): boolean {
  try {
    splitHostPort(text);
    return false;
  } catch (e) {
    return e instanceof ProcessKitError && /missing port/.test(e.message);
  }
}

/**
 * A bind address flag as controller-runtime reads `--metrics-bind-address` /
 * `--health-probe-bind-address`: `0` disables the endpoint (undefined); otherwise `host:port` or
 * `:port` (all interfaces), parsed by {@link parseHostPort}. Throws PROCESS_KIT_ERR_HOST_PORT.
 */
export function parseBindAddress(text: string, flag = 'bind address'): HostPort | undefined {
  if (text === '0') return undefined;
  try {
    return parseHostPort(text, { allowEmptyHost: true });
  } catch (e) {
    throw new ProcessKitError('PROCESS_KIT_ERR_HOST_PORT', `${flag}: ${(e as Error).message} (want host:port, :port or 0)`, { cause: e });
  }
}
