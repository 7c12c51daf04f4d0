// Cross-checks against the real openssl CLI: requests and certificates we build must satisfy openssl,
// and requests/certificates openssl builds (at test time, from the commands below) must be reported faithfully.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCsr, parseCsr, verifyCsrSignature } from './csr.js';
import type { ParsedCsr } from './csr.js';
import { parseCertificate, parseCertificateBundle } from './certificate.js';
import { verifyChain } from './chain.js';
import { basicConstraintsExtension, EKU, extendedKeyUsageExtension, keyUsageExtension, OID, subjectAltNameExtension } from './extensions.js';
import { generateKeyPair, importPrivateKeyPem } from './keys.js';
import type { KeySpec } from './keys.js';
import { commonNameInput, formatName } from './names.js';
import { createTestCa, createTestCsr, issueTestLeaf } from './testing/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pkcs-openssl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs openssl and returns stdout+stderr (openssl 3.0 reports `req -verify` results on stderr, exit 0 either way). */
function opensslSays(args: string[]): string {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

function file(name: string, content: string): string {
  const path = join(dir, `${++n}-${name}`);
  writeFileSync(path, content);
  return path;
}

const CONFIG = file(
  'req.cnf',
  ['[req]', 'distinguished_name = dn', '[dn]', '[dir_sect]', 'CN = dir name', 'O = dir org', ''].join('\n'),
);

/** Runs `openssl req -new` with a fresh key and returns the parsed request. */
function opensslCsr(opts: { key?: string[]; subj: string; multivalue?: boolean; addext?: string[] }): ParsedCsr {
  const out = join(dir, `${++n}.csr`);
  openssl([
    'req', '-new', '-config', CONFIG, '-nodes', '-keyout', join(dir, `${n}.key`),
    ...(opts.key ?? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
    ...(opts.multivalue ? ['-multivalue-rdn'] : []),
    '-subj', opts.subj,
    ...(opts.addext ?? []).flatMap((e) => ['-addext', e]),
    '-out', out,
  ]);
  return parseCsr(readFileSync(out, 'utf8'));
}

const attr = (oid: string, value: string) => expect.objectContaining({ oid, value });

describe('requests built here satisfy `openssl req -verify`', () => {
  it.each<[KeySpec]>([[{ kind: 'ecdsa', curve: 'P-256' }], [{ kind: 'ecdsa', curve: 'P-384' }], [{ kind: 'rsa', bits: 2048 }]])(
    'a %j request with extensions verifies and shows our subject',
    async (spec) => {
      const csr = await createCsr({
        subject: commonNameInput('system:certscrape:scraper', ['certscrape:scrapers']),
        keys: await generateKeyPair(spec),
        extensions: [keyUsageExtension(['digitalSignature']), extendedKeyUsageExtension([EKU.clientAuth]), subjectAltNameExtension([{ type: 'dns', value: 'x.example' }])],
      });
      const path = file('ours.csr', csr.pem);
      const out = opensslSays(['req', '-in', path, '-verify', '-noout', '-subject']);
      expect(out).toContain('self-signature verify OK');
      expect(out).toContain('CN = system:certscrape:scraper, O = certscrape:scrapers');
      const text = openssl(['req', '-in', path, '-noout', '-text']);
      expect(text).toContain('TLS Web Client Authentication');
      expect(text).toContain('DNS:x.example');
    },
  );

  it('openssl rejects our request once a signature byte is flipped (the check is real)', async () => {
    const csr = await createCsr({ subject: commonNameInput('x'), keys: await generateKeyPair() });
    const der = csr.der.slice();
    der[der.length - 2]! ^= 0x40;
    const path = file('tampered.der', '');
    writeFileSync(path, der);
    const said = opensslSays(['req', '-inform', 'DER', '-in', path, '-verify', '-noout']);
    expect(said).toContain('verify failure');
    expect(said).not.toContain('verify OK');
  });
});

describe('requests built by `openssl req` are reported faithfully', () => {
  it('keeps duplicate CNs in encoded order (CN=a then CN=b)', async () => {
    const csr = opensslCsr({ subj: '/CN=a/O=org/CN=b' });
    expect(csr.subject).toEqual([[attr(OID.commonName, 'a')], [attr(OID.organization, 'org')], [attr(OID.commonName, 'b')]]);
    expect(formatName(csr.subject)).toBe('CN=b,O=org,CN=a');
    expect(await verifyCsrSignature(csr)).toBe(true);
  });

  it('keeps duplicate CNs in encoded order (CN=b then CN=a)', () => {
    const csr = opensslCsr({ subj: '/CN=b/CN=a' });
    expect(csr.subject).toEqual([[attr(OID.commonName, 'b')], [attr(OID.commonName, 'a')]]);
  });

  it('keeps a multi-valued RDN (CN=a+O=b) as one RDN with both attributes', async () => {
    const csr = opensslCsr({ subj: '/CN=a+O=b/CN=c', multivalue: true });
    expect(csr.subject).toHaveLength(2);
    expect(csr.subject[0]).toHaveLength(2);
    expect(csr.subject[0]).toEqual(expect.arrayContaining([attr(OID.commonName, 'a'), attr(OID.organization, 'b')]));
    expect(formatName(csr.subject)).toMatch(/^CN=c,(CN=a\+O=b|O=b\+CN=a)$/);
    expect(csr.subject[1]).toEqual([attr(OID.commonName, 'c')]);
    expect(await verifyCsrSignature(csr)).toBe(true);
  });

  it('reports string types and unknown attribute OIDs', () => {
    const csr = opensslCsr({ subj: '/C=DE/CN=x/emailAddress=a@b.example/description=d' });
    expect(csr.subject.flat().map((a) => [a.shortName, a.oid, a.stringType])).toEqual([
      ['C', '2.5.4.6', 'printable'],
      ['CN', '2.5.4.3', 'utf8'],
      ['emailAddress', '1.2.840.113549.1.9.1', 'ia5'],
      [undefined, '2.5.4.13', 'utf8'],
    ]);
  });

  it('reports every SAN type, including the ones convenience parsers drop', async () => {
    const csr = opensslCsr({
      subj: '/CN=x',
      addext: ['subjectAltName=DNS:x.example,email:a@b.example,URI:https://u.example/p,IP:10.1.2.3,IP:2001:db8::1,RID:1.2.3.4,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:upn@example,dirName:dir_sect'],
    });
    expect(csr.extensions).toHaveLength(1);
    expect(csr.extensions[0]!.decoded).toEqual({
      kind: 'subjectAltName',
      names: [
        { type: 'dns', value: 'x.example' },
        { type: 'email', value: 'a@b.example' },
        { type: 'uri', value: 'https://u.example/p' },
        { type: 'ip', value: '10.1.2.3' },
        { type: 'ip', value: '2001:db8::1' },
        { type: 'registeredId', value: '1.2.3.4' },
        { type: 'otherName', value: '1.3.6.1.4.1.311.20.2.3:upn@example' },
        { type: 'directoryName', value: 'O=dir org,CN=dir name' },
      ],
    });
    expect(await verifyCsrSignature(csr)).toBe(true);
  });

  it('reports a requested basicConstraints CA:TRUE (critical)', () => {
    const csr = opensslCsr({ subj: '/CN=x', addext: ['basicConstraints=critical,CA:TRUE,pathlen:1'] });
    expect(csr.extensions.map((e) => [e.oid, e.critical, e.decoded])).toEqual([[OID.basicConstraints, true, { kind: 'basicConstraints', ca: true, pathLength: 1 }]]);
  });

  it('reports an RSA-1024 key with its real size and verifies its signature', async () => {
    const csr = opensslCsr({ subj: '/CN=weak', key: ['-newkey', 'rsa:1024'] });
    expect(csr.publicKey).toEqual({ kind: 'rsa', bits: 1024 });
    expect(await verifyCsrSignature(csr)).toBe(true);
  });

  it('reports two separate SAN extensions (added via two -addext) rather than merging or dropping one', () => {
    const csr = opensslCsr({ subj: '/CN=x', addext: ['subjectAltName=DNS:a.example', '2.5.29.17=DER:300B8209622E6578616D706C65'] });
    expect(csr.extensions.map((e) => [e.oid, e.decoded])).toEqual([
      [OID.subjectAltName, { kind: 'subjectAltName', names: [{ type: 'dns', value: 'a.example' }] }],
      [OID.subjectAltName, { kind: 'subjectAltName', names: [{ type: 'dns', value: 'b.example' }] }],
    ]);
    expect(csr.extensionRequestCount).toBe(1);
  });

  it('reports an undecodable keyUsage with decodeError and an unknown extension as other', () => {
    const csr = opensslCsr({ subj: '/CN=x', addext: ['keyUsage=DER:0101FF', '1.2.3.4.5=ASN1:UTF8String:hello'] });
    expect(csr.extensions).toEqual([
      expect.objectContaining({ oid: OID.keyUsage, decoded: undefined, decodeError: expect.any(String) }),
      expect.objectContaining({ oid: '1.2.3.4.5', decoded: { kind: 'other' }, decodeError: undefined }),
    ]);
  });
});

describe('certificates interoperate with openssl', () => {
  it('openssl verifies a chain built here (root -> intermediate -> clientAuth leaf)', async () => {
    const root = await createTestCa({ commonName: 'interop root' });
    const inter = await createTestCa({ commonName: 'interop intermediate', parent: root, pathLength: 0 });
    const leaf = await issueTestLeaf(inter, { commonName: 'interop leaf' });
    const out = execFileSync(
      'openssl',
      ['verify', '-purpose', 'sslclient', '-CAfile', file('root.pem', root.certPem), '-untrusted', file('inter.pem', inter.certPem), file('leaf.pem', leaf.certPem)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toContain(': OK');
    expect(parseCertificateBundle(leaf.chainPem).map((c) => c.serialNumber)).toEqual([leaf.certificate.serialNumber, inter.certificate.serialNumber]);
  });

  it('a chain built by openssl verifies here, and its key imports and matches', async () => {
    const caKey = file('ca.key', openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']));
    const caCert = join(dir, 'ca.crt');
    openssl(['req', '-x509', '-new', '-config', CONFIG, '-key', caKey, '-subj', '/CN=openssl root', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-out', caCert]);
    const leafKey = file('leaf.key', openssl(['genrsa', '-traditional', '2048']));
    const leafCsr = join(dir, 'leaf.csr');
    openssl(['req', '-new', '-config', CONFIG, '-key', leafKey, '-subj', '/CN=openssl leaf/O=g', '-out', leafCsr]);
    const ext = file('leaf.ext', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
    const leafCert = join(dir, 'leaf.crt');
    openssl(['x509', '-req', '-in', leafCsr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', leafCert]);
    const root = parseCertificate(readFileSync(caCert, 'utf8'));
    const leaf = parseCertificate(readFileSync(leafCert, 'utf8'));
    expect(leaf.publicKey).toEqual({ kind: 'rsa', bits: 2048 });
    expect(formatName(leaf.subject)).toBe('O=g,CN=openssl leaf');
    expect(root.basicConstraints).toEqual({ ca: true, pathLength: undefined });
    expect(await verifyChain(leaf, { roots: [root], now: new Date(), requiredEku: EKU.clientAuth })).toMatchObject({ ok: true });
    const keys = await importPrivateKeyPem(readFileSync(leafKey, 'utf8'));
    const { certificateMatchesKey } = await import('./certificate.js');
    expect(await certificateMatchesKey(leaf, keys)).toBe(true);
    expect(basicConstraintsExtension(true).critical).toBe(true);
  });
});

describe('an independent implementation (@peculiar/x509) agrees', () => {
  it('verifies our CSR self-signature and our chain signatures', async () => {
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(crypto);
    const { csr } = await createTestCsr({ subject: commonNameInput('peculiar', ['g']), keySpec: { kind: 'rsa', bits: 1024 }, extensions: [subjectAltNameExtension([{ type: 'dns', value: 'p.example' }])] });
    const theirs = new x509.Pkcs10CertificateRequest(csr.der.slice().buffer as ArrayBuffer);
    expect(await theirs.verify()).toBe(true);
    expect(theirs.subject).toBe('CN=peculiar, O=g');

    const root = await createTestCa({ keySpec: { kind: 'ecdsa', curve: 'P-384' } });
    const leaf = await issueTestLeaf(root);
    const rootX = new x509.X509Certificate(root.certificate.der.slice().buffer as ArrayBuffer);
    const leafX = new x509.X509Certificate(leaf.certificate.der.slice().buffer as ArrayBuffer);
    expect(await leafX.verify({ publicKey: rootX, signatureOnly: true })).toBe(true);
    expect(await rootX.verify({ signatureOnly: true })).toBe(true);
    expect(leafX.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(leaf.certificate.serialNumber.replace(/^0+/, ''));
  });
});
