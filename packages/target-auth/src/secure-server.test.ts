import type { AddressInfo } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { h2Session } from './test-support/h2-client.js';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';
import { describe, expect, it } from 'vitest';
import { staticCaBundle } from './ca-bundle.js';
import { createSecureHttp2Server, createSecureServer } from './secure-server.js';
import { staticServingPair } from './serving-cert.js';
import { servingFixture } from './test-support/fixtures.js';

/** What a client writes first on each protocol: a request line, or the h2 preface and an empty SETTINGS frame. */
const FIRST_BYTES: Record<string, string> = {
  'http/1.1': 'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
  h2: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00',
};

describe('createSecureServer / createSecureHttp2Server', () => {
  it.each([
    { server: 'createSecureServer', alpn: 'http/1.1' },
    { server: 'createSecureHttp2Server', alpn: 'h2' },
    { server: 'createSecureHttp2Server', alpn: 'http/1.1' },
  ])('$server over $alpn refuses TLS 1.2 renegotiation and closes the connection, so it cannot swap its client certificate', async ({ server: kind, alpn }) => {
    const serving = await servingFixture();
    const ca = await createTestCa();
    const leaf = await issueTestLeaf(ca);
    const options = { caBundle: staticCaBundle(ca.certPem), serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }) };
    const server = kind === 'createSecureServer' ? createSecureServer(options, (_req, res) => res.end()) : createSecureHttp2Server(options, (_req, res) => res.end());
    // The server side of the connection: the codes of its TLS errors, and when it closes.
    const serverSide = new Promise<{ errors: string[] }>((resolve) => {
      server.once('secureConnection', (socket: TLSSocket) => {
        const errors: string[] = [];
        socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
        socket.on('close', () => resolve({ errors }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    let socket: TLSSocket | undefined;
    try {
      socket = await new Promise<TLSSocket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: serving.ca.certPem, cert: leaf.certPem, key: leaf.keyPem, maxVersion: 'TLSv1.2', ALPNProtocols: [alpn] }, () => resolve(s));
        s.on('error', reject);
      });
      expect(socket.alpnProtocol).toBe(alpn);
      const client = socket;
      client.removeAllListeners('error');
      client.on('error', () => undefined); // the client's side of the refusal (EPROTO, or nothing) differs by Node/OpenSSL version
      client.write(FIRST_BYTES[alpn]!);
      // Renegotiation completing ends the race at once; a refusal ends it when the server closes the connection.
      const outcome = await Promise.race([
        new Promise<string>((resolve) => client.renegotiate({ rejectUnauthorized: false }, (err) => !err && resolve('renegotiated'))),
        serverSide.then(({ errors }) => `server closed after ${[...new Set(errors)].join(', ')}`),
      ]);
      expect(outcome).toBe('server closed after ERR_TLS_RENEGOTIATION_DISABLED');
    } finally {
      socket?.destroy();
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('createSecureHttp2Server: req.socket still answers after the client closed the session (the middleware reads it after awaiting authentication)', async () => {
    const serving = await servingFixture();
    const ca = await createTestCa();
    const leaf = await issueTestLeaf(ca);
    let sessionGone!: () => void;
    const gone = new Promise<void>((r) => (sessionGone = r));
    const read = new Promise<{ remoteAddress?: string; authorized: boolean } | Error>((resolve) => {
      const server = createSecureHttp2Server({ caBundle: staticCaBundle(ca.certPem), serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }) }, (req) => {
        req.once('close', sessionGone);
        void gone.then(() => {
          try {
            resolve({ remoteAddress: req.socket.remoteAddress, authorized: (req.socket as TLSSocket).authorized });
          } catch (err) {
            resolve(err as Error);
          } finally {
            server.close();
          }
        });
      });
      server.listen(0, '127.0.0.1', () => {
        void h2Session({ port: (server.address() as AddressInfo).port, ca: serving.ca.certPem, identity: { cert: leaf.certPem, key: leaf.keyPem } }).then((session) => {
          session.request({ ':path': '/metrics' }).on('error', () => undefined);
          setImmediate(() => session.destroy());
        });
      });
    });
    const outcome = await read;
    expect(outcome).not.toBeInstanceOf(Error);
    expect(outcome).toMatchObject({ authorized: true });
  });
});
