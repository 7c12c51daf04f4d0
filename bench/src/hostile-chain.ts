// CPU per unauthenticated connection: a client holding no trusted certificate presents a hostile chain
// (a leaf "issued" by the trusted CA's NAME plus same-name intermediates whose RSA public exponents are huge),
// beside a normal trusted client. Every hostile connection presents a DIFFERENT chain (fresh exponents), so
// no cache can answer it: this is the worst case for the target, handshake (OpenSSL) and pkcs together.
import { connect } from 'node:tls';
import { createCertificate, EKU, encodePem, exportPrivateKeyPem, generateKeyPair, parseCertificate, type KeyPair } from '@certscrape/pkcs';
import { hostileRsaSpki, withSpki } from '@certscrape/pkcs/testing/oracles';
import type { Contender } from './support/contenders.js';
import type { BenchPki } from './support/pki.js';
import { cpuMillisOf } from './support/proc.js';
import { median, round } from './support/stats.js';

/** One client identity: certificate chain PEM and key PEM. */
interface Identity {
  readonly cert: string;
  readonly key: string;
}

/** Same-name intermediates per hostile chain, and their RSA modulus / exponent sizes (bytes). */
const INTERMEDIATES = 8;
// 2048 bits: the forger's RSA-2048 signatures have exactly this length, so a verifier cannot refuse them on
// length and must do the modular exponentiation with the huge exponent (OpenSSL allows any exponent below
// 3072-bit moduli).
const MODULUS_BYTES = 256;
const EXPONENT_BYTES = 255;

/** Builds `count` distinct hostile chains against the CA in `pki` (same name, no key of it). */
async function hostileIdentities(pki: BenchPki, count: number): Promise<Identity[]> {
  const caSubject = parseCertificate(pki.ca).subjectDer;
  // RSA signatures, so that every signature check against a hostile key is an RSA operation with its exponent.
  const forger: KeyPair = await generateKeyPair({ kind: 'rsa', bits: 2048 });
  const template = await createCertificate({
    subject: caSubject, publicKey: forger.publicKey, signer: { privateKey: forger.privateKey },
    notBefore: new Date(Date.now() - 3_600_000), notAfter: new Date(Date.now() + 86_400_000), ca: {},
  });
  const leafKeys = await generateKeyPair();
  const leafKey = await exportPrivateKeyPem(leafKeys);
  const leaf = await createCertificate({
    subject: [[{ type: 'CN', value: pki.user }]], publicKey: leafKeys.publicKey, signer: { privateKey: forger.privateKey, certificate: template },
    notBefore: new Date(Date.now() - 3_600_000), notAfter: new Date(Date.now() + 86_400_000), keyUsages: ['digitalSignature'], extendedKeyUsages: [EKU.clientAuth],
  });
  const out: Identity[] = [];
  for (let c = 0; c < count; c++) {
    const intermediates = Array.from({ length: INTERMEDIATES }, (_, k) => {
      const e = new Uint8Array(EXPONENT_BYTES).fill(0xff);
      e[0] = 0x7f;
      e[1] = c & 0xff;
      e[2] = (c >> 8) & 0xff;
      e[3] = k;
      return encodePem(withSpki(template.der, hostileRsaSpki(MODULUS_BYTES, e)), 'CERTIFICATE');
    });
    out.push({ cert: leaf.pem + intermediates.join(''), key: leafKey });
  }
  return out;
}

/** One connection: handshake, GET /metrics, read the status, close. Resolves the HTTP status (0: none). */
function oneConnection(url: URL, pki: BenchPki, id: Identity): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: pki.ca, cert: id.cert, key: id.key, servername: 'localhost' }, () => {
      socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
    });
    let head = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      if (head.length < 64) head += d;
    });
    const done = () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
}

/** Server CPU (ms) per connection for these identities, connections made one after another. */
async function cpuPerConnection(target: Contender, pki: BenchPki, ids: readonly Identity[], expect: number): Promise<number> {
  const before = cpuMillisOf(target.measured.pids());
  for (const id of ids) {
    const status = await oneConnection(target.url, pki, id);
    if (status !== expect) throw new Error(`${target.name}: expected HTTP ${expect}, got ${status}`);
  }
  return (cpuMillisOf(target.measured.pids()) - before) / ids.length;
}

/** Result of {@link measureHostileChain}: medians over rounds. */
export interface HostileChainResult {
  readonly normalCpuMs: number;
  readonly hostileCpuMs: number;
  /** hostile ÷ normal CPU per connection (goal <= 2). */
  readonly ratio: number;
  readonly detail: Record<string, unknown>;
}

/**
 * Interleaved rounds of `connections` normal and `connections` hostile connections against `target`;
 * the figure is server CPU per connection (from /proc), hostile ÷ normal.
 */
export async function measureHostileChain(target: Contender, pki: BenchPki, connections: number, rounds: number, log: (s: string) => void): Promise<HostileChainResult> {
  const normal: Identity = { cert: pki.clientCert, key: pki.clientKey };
  const hostile = await hostileIdentities(pki, connections * (rounds + 1));
  const normals: number[] = [];
  const hostiles: number[] = [];
  await cpuPerConnection(target, pki, Array(Math.ceil(connections / 4)).fill(normal), 200); // warm-up
  await cpuPerConnection(target, pki, hostile.slice(0, Math.ceil(connections / 4)), 401);
  for (let r = 1; r <= rounds; r++) {
    const n = await cpuPerConnection(target, pki, Array(connections).fill(normal), 200);
    const h = await cpuPerConnection(target, pki, hostile.slice(r * connections, (r + 1) * connections), 401);
    normals.push(n);
    hostiles.push(h);
    log(`    round ${r}: normal ${round(n, 2)} ms CPU/connection, hostile ${round(h, 2)} ms CPU/connection`);
  }
  const normalCpuMs = median(normals);
  const hostileCpuMs = median(hostiles);
  return {
    normalCpuMs: round(normalCpuMs, 3),
    hostileCpuMs: round(hostileCpuMs, 3),
    ratio: round(hostileCpuMs / normalCpuMs, 2),
    detail: { connections, rounds, intermediates: INTERMEDIATES, modulusBits: MODULUS_BYTES * 8, exponentBits: EXPONENT_BYTES * 8 - 1, normals, hostiles },
  };
}
