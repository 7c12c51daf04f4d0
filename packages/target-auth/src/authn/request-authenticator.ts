import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { DecisionMethod } from '../metrics.js';
import type { ClientCertAuthenticator } from './client-cert-authenticator.js';
import type { TokenAuthenticator } from './token-authenticator.js';
import { notAuthenticated, type AuthenticationResult } from './user-info.js';

/** Options of {@link RequestAuthenticator}. At least one should be set, or nothing authenticates. */
export interface RequestAuthenticatorOptions {
  /** Client certificates (needs a TLS server with `requestCert: true`). */
  readonly clientCert?: ClientCertAuthenticator;
  /** Delegated bearer-token fallback; consulted ONLY when no client certificate was presented. */
  readonly token?: TokenAuthenticator;
}

const NO_CREDENTIALS = notAuthenticated('no-credentials', 'no client certificate and no usable bearer token');

/**
 * Authenticates a request: a presented client certificate decides alone (valid -> user,
 * invalid -> not authenticated, never a token fallback); without one, a `Bearer` token goes to
 * the delegated authenticator when configured. Reads headers but does not strip them (the
 * authentication middleware does, after use).
 */
export class RequestAuthenticator {
  readonly #clientCert: ClientCertAuthenticator | undefined;
  readonly #token: TokenAuthenticator | undefined;

  constructor(options: RequestAuthenticatorOptions) {
    this.#clientCert = options.clientCert;
    this.#token = options.token;
  }

  authenticate(req: IncomingMessage): AuthenticationResult | Promise<AuthenticationResult> {
    const socket = req.socket as TLSSocket;
    if (this.#clientCert !== undefined && socket.encrypted === true) {
      const r = this.#clientCert.authenticateSocket(socket);
      if (r !== undefined) return r;
    }
    if (this.#token !== undefined) {
      const token = bearerToken(req.headers.authorization);
      if (token !== undefined) return this.#token.authenticate(token);
    }
    return NO_CREDENTIALS;
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return m === null ? undefined : m[1];
}

/** The metrics/log `method` label of an authentication result. */
export function methodOf(result: AuthenticationResult): DecisionMethod {
  if (result.ok) return result.user.authenticatedBy;
  if (result.reason.startsWith('certificate-')) return 'client-certificate';
  if (result.reason.startsWith('token-')) return 'token';
  return 'none';
}
