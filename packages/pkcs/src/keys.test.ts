import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { describeSpki, exportPrivateKeyPem, exportSpki, generateKeyPair, importPrivateKeyPem, DEFAULT_KEY_SPEC } from './keys.js';
import type { KeyPair, KeySpec } from './keys.js';
import { decodePemBlocks, encodePem } from './pem.js';
import { isPkcsError } from './errors.js';
import type { PkcsErrorCode } from './errors.js';

async function codeOf(p: Promise<unknown>): Promise<PkcsErrorCode | 'no error' | 'foreign error'> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return isPkcsError(e) ? e.code : 'foreign error';
  }
}

/** Signs with the private key and verifies with the (derived) public key. */
async function signsAndVerifies(keys: KeyPair): Promise<boolean> {
  const data = new TextEncoder().encode('certscrape');
  const alg = keys.privateKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
  const sig = await crypto.subtle.sign(alg, keys.privateKey, data);
  return crypto.subtle.verify(alg, keys.publicKey, sig, data);
}

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('generateKeyPair', () => {
  it('defaults to ECDSA P-256', async () => {
    expect(DEFAULT_KEY_SPEC).toEqual({ kind: 'ecdsa', curve: 'P-256' });
    const keys = await generateKeyPair();
    expect(keys.spec).toEqual({ kind: 'ecdsa', curve: 'P-256' });
  });

  it.each<[KeySpec]>([[{ kind: 'ecdsa', curve: 'P-256' }], [{ kind: 'ecdsa', curve: 'P-384' }], [{ kind: 'rsa', bits: 2048 }]])(
    'makes a %j pair that round-trips through PKCS#8 PEM and describes itself',
    async (spec) => {
      const keys = await generateKeyPair(spec);
      expect(keys.spec).toEqual(spec);
      expect(describeSpki(await exportSpki(keys))).toEqual(spec);
      const pem = await exportPrivateKeyPem(keys);
      expect(decodePemBlocks(pem).map((b) => b.label)).toEqual(['PRIVATE KEY']);
      const back = await importPrivateKeyPem(pem);
      expect(back.spec).toEqual(spec);
      expect(await exportSpki(back)).toEqual(await exportSpki(keys));
      expect(await exportPrivateKeyPem(back)).toBe(pem);
      expect(await signsAndVerifies(back)).toBe(true);
    },
  );

  it.each([1024, 2047, 512])('refuses RSA-%i as too weak', async (bits) => {
    expect(await codeOf(generateKeyPair({ kind: 'rsa', bits }))).toBe('PKCS_ERR_KEY_UNSUPPORTED');
  });

  it('refuses an unknown curve', async () => {
    expect(await codeOf(generateKeyPair({ kind: 'ecdsa', curve: 'P-521' as 'P-256' }))).toBe('PKCS_ERR_KEY_UNSUPPORTED');
  });
});

describe('importPrivateKeyPem', () => {
  it.each<[string, string[], KeySpec]>([
    ['SEC1 "EC PRIVATE KEY" (P-256)', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], { kind: 'ecdsa', curve: 'P-256' }],
    ['SEC1 "EC PRIVATE KEY" (P-384)', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout'], { kind: 'ecdsa', curve: 'P-384' }],
    ['PKCS#1 "RSA PRIVATE KEY"', ['genrsa', '-traditional', '2048'], { kind: 'rsa', bits: 2048 }],
    ['PKCS#8 from openssl (RSA)', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], { kind: 'rsa', bits: 2048 }],
  ])('imports an openssl-made %s and derives its public key', async (_name, args, spec) => {
    const pem = openssl(args);
    const keys = await importPrivateKeyPem(pem);
    expect(keys.spec).toEqual(spec);
    expect(await signsAndVerifies(keys)).toBe(true);
    const opensslSpki = decodePemBlocks(openssl(['pkey', '-pubout'], pem))[0]!.der;
    expect(await exportSpki(keys)).toEqual(opensslSpki);
  });

  it('tolerates the "EC PARAMETERS" block openssl ecparam writes before a SEC1 key', async () => {
    const pem = openssl(['ecparam', '-name', 'prime256v1', '-genkey']);
    expect(decodePemBlocks(pem).map((b) => b.label)).toEqual(['EC PARAMETERS', 'EC PRIVATE KEY']);
    expect((await importPrivateKeyPem(pem)).spec).toEqual({ kind: 'ecdsa', curve: 'P-256' });
  });

  it('imports RSA-1024 (size policy is the caller\'s) and reports its size', async () => {
    const keys = await importPrivateKeyPem(openssl(['genrsa', '-traditional', '1024']));
    expect(keys.spec).toEqual({ kind: 'rsa', bits: 1024 });
  });

  it.each<[string, () => string, PkcsErrorCode]>([
    ['an Ed25519 key', () => openssl(['genpkey', '-algorithm', 'ed25519']), 'PKCS_ERR_KEY_UNSUPPORTED'],
    ['a P-521 key', () => openssl(['ecparam', '-name', 'secp521r1', '-genkey', '-noout']), 'PKCS_ERR_KEY_UNSUPPORTED'],
    ['an encrypted key', () => encodePem(Uint8Array.of(0x30, 0), 'ENCRYPTED PRIVATE KEY'), 'PKCS_ERR_KEY_UNSUPPORTED'],
    ['a certificate block', () => encodePem(Uint8Array.of(0x30, 0), 'CERTIFICATE'), 'PKCS_ERR_PEM_LABEL'],
    ['two key blocks', () => encodePem(Uint8Array.of(0x30, 0), 'PRIVATE KEY').repeat(2), 'PKCS_ERR_PEM_MULTIPLE'],
    ['garbage inside PRIVATE KEY', () => encodePem(Uint8Array.of(1, 2, 3, 4), 'PRIVATE KEY'), 'PKCS_ERR_KEY_INVALID'],
    ['garbage inside EC PRIVATE KEY', () => encodePem(Uint8Array.of(0x30, 3, 2, 1, 1), 'EC PRIVATE KEY'), 'PKCS_ERR_KEY_INVALID'],
    ['garbage inside RSA PRIVATE KEY', () => encodePem(Uint8Array.of(0x30, 3, 2, 1, 0), 'RSA PRIVATE KEY'), 'PKCS_ERR_KEY_INVALID'],
    ['empty input', () => '', 'PKCS_ERR_PEM_EMPTY'],
  ])('refuses %s with a coded error', async (_name, make, code) => {
    expect(await codeOf(importPrivateKeyPem(make()))).toBe(code);
  });

  it('never puts key material in error messages', async () => {
    const pem = openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']);
    const broken = pem.replace('EC PRIVATE KEY', 'PRIVATE KEY').replace('EC PRIVATE KEY', 'PRIVATE KEY');
    const err = await importPrivateKeyPem(broken).catch((e: unknown) => e);
    expect(isPkcsError(err)).toBe(true);
    const b64 = pem.split('\n')[1]!;
    expect(String((err as Error).message)).not.toContain(b64.slice(0, 16));
  });
});

describe('describeSpki', () => {
  it.each<[string, string[], ReturnType<typeof describeSpki>]>([
    ['RSA-1024 (bits from the modulus)', ['genrsa', '1024'], { kind: 'rsa', bits: 1024 }],
    ['RSA-1536 (an unusual size)', ['genrsa', '1536'], { kind: 'rsa', bits: 1536 }],
    ['P-521 (unsupported, curve reported)', ['ecparam', '-name', 'secp521r1', '-genkey', '-noout'], { kind: 'unsupported', algorithm: '1.2.840.10045.2.1', detail: '1.3.132.0.35' }],
    ['secp256k1 (unsupported)', ['ecparam', '-name', 'secp256k1', '-genkey', '-noout'], { kind: 'unsupported', algorithm: '1.2.840.10045.2.1', detail: '1.3.132.0.10' }],
    ['Ed25519 (unsupported)', ['genpkey', '-algorithm', 'ed25519'], { kind: 'unsupported', algorithm: '1.3.101.112' }],
  ])('describes %s', (_name, args, expected) => {
    const spki = decodePemBlocks(openssl(['pkey', '-pubout'], openssl(args)))[0]!.der;
    expect(describeSpki(spki)).toEqual(expected);
  });

  it.each<[string, Uint8Array]>([
    ['empty bytes', new Uint8Array()],
    ['a bare NULL', Uint8Array.of(5, 0)],
    ['a SEQUENCE with trailing bytes', Uint8Array.of(0x30, 0, 0)],
  ])('refuses %s with PKCS_ERR_KEY_INVALID', async (_name, bytes) => {
    expect(await codeOf(Promise.resolve().then(() => describeSpki(bytes)))).toBe('PKCS_ERR_KEY_INVALID');
  });
});
