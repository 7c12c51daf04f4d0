import type { AddressInfo } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';
import { describe, expect, it } from 'vitest';
import { staticCaBundle } from './ca-bundle.js';
import { createSecureServer } from './secure-server.js';
import { staticServingPair } from './serving-cert.js';
import { servingFixture } from './test-support/fixtures.js';

describe('createSecureServer', () => {
  it('refuses TLS 1.2 renegotiation, so a connection cannot swap its client certificate', async () => {
    const serving = await servingFixture();
    const ca = await createTestCa();
    const leaf = await issueTestLeaf(ca);
    const server = createSecureServer({ caBundle: staticCaBundle(ca.certPem), serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }) }, (_req, res) => res.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const socket = await new Promise<TLSSocket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: serving.ca.certPem, cert: leaf.certPem, key: leaf.keyPem, maxVersion: 'TLSv1.2' }, () => resolve(s));
        s.on('error', reject);
      });
      const outcome = await new Promise<string>((resolve) => {
        socket.on('error', () => resolve('error'));
        socket.on('close', () => resolve('closed'));
        socket.renegotiate({ rejectUnauthorized: false }, (err) => resolve(err ? 'error' : 'renegotiated'));
        socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      expect(outcome).not.toBe('renegotiated');
      socket.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
