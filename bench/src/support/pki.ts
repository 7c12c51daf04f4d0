import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';

/** File paths of the benchmark PKI: one CA signs the servers' and the scraper's certificates. */
export interface BenchPki {
  readonly caFile: string;
  readonly ca: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly user: string;
}

/** Creates the PKI in `dir`: server cert for 127.0.0.1/localhost, client cert `CN=<user>` with EKU clientAuth. */
export async function createBenchPki(dir: string, user: string): Promise<BenchPki> {
  mkdirSync(dir, { recursive: true });
  const ca = await createTestCa({ commonName: 'certscrape-bench-ca' });
  const server = await issueTestLeaf(ca, { commonName: 'bench-server', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }] });
  const client = await issueTestLeaf(ca, { commonName: user, extendedKeyUsages: [EKU.clientAuth] });
  const files = { caFile: 'ca.crt', serverCertFile: 'server.crt', serverKeyFile: 'server.key', clientCertFile: 'client.crt', clientKeyFile: 'client.key' } as const;
  const content = { caFile: ca.certPem, serverCertFile: server.certPem, serverKeyFile: server.keyPem, clientCertFile: client.certPem, clientKeyFile: client.keyPem };
  const out: Record<string, string> = {};
  for (const [k, name] of Object.entries(files)) {
    const p = path.join(dir, name);
    writeFileSync(p, content[k as keyof typeof content], { mode: 0o600 });
    out[k] = p;
  }
  return { ...(out as unknown as Pick<BenchPki, keyof typeof files>), ca: ca.certPem, clientCert: client.certPem, clientKey: client.keyPem, user };
}
