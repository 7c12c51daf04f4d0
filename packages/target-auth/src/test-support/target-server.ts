// A real HTTPS target on 127.0.0.1:0 wired exactly like an embedding service would wire it.
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import { ClientCertAuthenticator, type ClientCertAuthenticatorOptions } from '../authn/client-cert-authenticator.js';
import { RequestAuthenticator } from '../authn/request-authenticator.js';
import type { TokenAuthenticator } from '../authn/token-authenticator.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { CaBundleSource } from '../ca-bundle.js';
import { getRequestUser } from '../middleware/request-state.js';
import type { MiddlewareConfig } from '../middleware/types.js';
import { withAuthentication } from '../middleware/with-authentication.js';
import { withAuthorization } from '../middleware/with-authorization.js';
import { createSecureServer } from '../secure-server.js';
import type { ServingPairSource } from '../serving-cert.js';

/** What the protected handler saw, echoed as JSON. */
export interface Echo {
  readonly user: { name: string; groups: string[]; authenticatedBy: string } | undefined;
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawHeaders: string[];
}

export function echoHandler(seen: Echo[] = []): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const echo: Echo = { user: getRequestUser(req) as Echo['user'], url: req.url ?? '', method: req.method ?? '', headers: req.headers, rawHeaders: req.rawHeaders };
    seen.push(echo);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(echo));
  };
}

export interface TargetServer {
  readonly server: Server;
  readonly port: number;
  readonly seen: Echo[];
  close(): Promise<void>;
}

export async function startTargetServer(o: {
  caBundle: CaBundleSource;
  serving: ServingPairSource;
  authorizer: Authorizer;
  token?: TokenAuthenticator;
  middleware?: MiddlewareConfig;
  now?: () => number;
  crypto?: Crypto;
  /** Further ClientCertAuthenticator options (metrics, logger, failureTtlMs, ...). */
  clientCert?: Omit<ClientCertAuthenticatorOptions, 'caBundle' | 'now' | 'crypto'>;
}): Promise<TargetServer> {
  const seen: Echo[] = [];
  const clientCert = new ClientCertAuthenticator({ caBundle: o.caBundle, ...o.clientCert, ...(o.now ? { now: o.now } : {}), ...(o.crypto ? { crypto: o.crypto } : {}) });
  const authenticator = new RequestAuthenticator({ clientCert, ...(o.token ? { token: o.token } : {}) });
  const mw = o.middleware ?? {};
  const handler = withAuthentication(authenticator, mw, withAuthorization(o.authorizer, mw, echoHandler(seen)));
  const server = createSecureServer({ caBundle: o.caBundle, serving: o.serving }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
