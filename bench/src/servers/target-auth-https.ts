// Ours, in-process: @certscrape/target-auth in front of a handler serving the exposition.
import type { AddressInfo } from 'node:net';
import {
  CaBundleWatcher,
  ClientCertAuthenticator,
  RequestAuthenticator,
  ServingCertReloader,
  StaticAuthorizer,
  createSecureServer,
  withAuthentication,
  withAuthorization,
} from '@certscrape/target-auth';
import { announceReady, readServerArgs } from './server-args.js';

const { args, body } = readServerArgs();
const caBundle = await CaBundleWatcher.open({ file: args.caFile! });
const serving = await ServingCertReloader.open({ certFile: args.certFile, keyFile: args.keyFile });
const authenticator = new RequestAuthenticator({ clientCert: new ClientCertAuthenticator({ caBundle }) });
const authorizer = new StaticAuthorizer([{ user: { name: args.user! }, verb: 'get', path: '/metrics' }]);
const server = createSecureServer(
  { caBundle, serving },
  withAuthentication(
    authenticator,
    {},
    withAuthorization(authorizer, {}, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': body.length });
      res.end(body);
    }),
  ),
);
server.keepAliveTimeout = 60_000;
server.listen(args.port, '127.0.0.1', () => announceReady((server.address() as AddressInfo).port));
