// @certscrape/pkcs/testing — fixture builders for every package's tests. May read the clock; does no I/O.
import 'reflect-metadata';
import { createCertificate } from '../certificate.js';
import type { ParsedCertificate } from '../certificate.js';
import { createCsr } from '../csr.js';
import type { ParsedCsr } from '../csr.js';
import { basicConstraintsExtension, EKU, keyUsageExtension } from '../extensions.js';
import type { ExtensionInput, GeneralName, KeyUsageName } from '../extensions.js';
import { DEFAULT_KEY_SPEC, exportPrivateKeyPem, generateKeyPairUnchecked } from '../keys.js';
import type { KeyPair, KeySpec } from '../keys.js';
import { commonNameInput, encodeName } from '../names.js';
import type { NameInput } from '../names.js';

/** A test CA: its certificate, keys and both as PEM. */
export interface TestCa {
  readonly certificate: ParsedCertificate;
  readonly keys: KeyPair;
  readonly certPem: string;
  readonly keyPem: string;
}

/** A test leaf: certificate, keys, PEMs, and `chainPem` = leaf + intermediates up to (excluding) the root. */
export interface TestLeaf {
  readonly certificate: ParsedCertificate;
  readonly keys: KeyPair;
  readonly certPem: string;
  readonly keyPem: string;
  readonly chainPem: string;
}

const HOUR = 3_600_000;
const parents = new WeakMap<TestCa, TestCa | undefined>();
let counter = 0;

function defaultWindow(notBefore?: Date, notAfter?: Date): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: notBefore ?? new Date(now - HOUR), notAfter: notAfter ?? new Date(now + 24 * HOUR) };
}

/**
 * Creates a CA (self-signed root, or an intermediate when `parent` is given). Defaults: CN "certscrape test CA <n>",
 * ECDSA P-256, validity now-1h .. now+24h, no pathLength. `ca: false` makes a hostile non-CA "issuer"
 * (basicConstraints CA:FALSE but keyCertSign set, so only the CA flag is wrong). Weak RSA sizes are allowed here.
 */
export async function createTestCa(options: {
  commonName?: string;
  parent?: TestCa;
  keySpec?: KeySpec;
  notBefore?: Date;
  notAfter?: Date;
  pathLength?: number;
  ca?: boolean;
} = {}): Promise<TestCa> {
  const keys = await generateKeyPairUnchecked(options.keySpec ?? DEFAULT_KEY_SPEC);
  const isCa = options.ca ?? true;
  const cn = options.commonName ?? `certscrape test CA ${++counter}`;
  const certificate = await createCertificate({
    subject: commonNameInput(cn),
    publicKey: keys.publicKey,
    signer: options.parent ? { privateKey: options.parent.keys.privateKey, certificate: options.parent.certificate } : { privateKey: keys.privateKey },
    ...defaultWindow(options.notBefore, options.notAfter),
    ...(isCa ? { ca: options.pathLength !== undefined ? { pathLength: options.pathLength } : {} } : {}),
    ...(isCa ? {} : { extensions: [basicConstraintsExtension(false), keyUsageExtension(['digitalSignature', 'keyCertSign', 'cRLSign'])] }),
  });
  const ca: TestCa = Object.freeze({ certificate, keys, certPem: certificate.pem, keyPem: await exportPrivateKeyPem(keys) });
  parents.set(ca, options.parent);
  return ca;
}

/**
 * Issues a leaf from `issuer`. Defaults: CN "certscrape test leaf <n>" (or `subject`; `organizations` become O RDNs),
 * EKU [clientAuth] (`null`: no EKU extension), keyUsage [digitalSignature], no SANs, ECDSA P-256 fresh keys
 * (or `keys`), validity now-1h .. now+24h.
 */
export async function issueTestLeaf(
  issuer: TestCa,
  options: {
    commonName?: string;
    /** NameInput, or raw DER (see {@link hostileNameDer}). */
    subject?: NameInput | Uint8Array;
    organizations?: readonly string[];
    extendedKeyUsages?: readonly string[] | null;
    keyUsages?: readonly KeyUsageName[];
    subjectAltNames?: readonly GeneralName[];
    notBefore?: Date;
    notAfter?: Date;
    keySpec?: KeySpec;
    keys?: KeyPair;
  } = {},
): Promise<TestLeaf> {
  const keys = options.keys ?? (await generateKeyPairUnchecked(options.keySpec ?? DEFAULT_KEY_SPEC));
  const subject = options.subject ?? commonNameInput(options.commonName ?? `certscrape test leaf ${++counter}`, options.organizations ?? []);
  const eku = options.extendedKeyUsages === null ? undefined : (options.extendedKeyUsages ?? [EKU.clientAuth]);
  const certificate = await createCertificate({
    subject,
    publicKey: keys.publicKey,
    signer: { privateKey: issuer.keys.privateKey, certificate: issuer.certificate },
    ...defaultWindow(options.notBefore, options.notAfter),
    keyUsages: options.keyUsages ?? ['digitalSignature'],
    ...(eku ? { extendedKeyUsages: eku } : {}),
    ...(options.subjectAltNames ? { subjectAltNames: options.subjectAltNames } : {}),
  });
  let chainPem = certificate.pem;
  for (let ca: TestCa | undefined = issuer; ca && parents.get(ca); ca = parents.get(ca)) chainPem += ca.certPem;
  return Object.freeze({ certificate, keys, certPem: certificate.pem, keyPem: await exportPrivateKeyPem(keys), chainPem });
}

/**
 * Builds a signed CSR. Defaults: subject `[[CN=<commonName ?? "certscrape test csr <n>">]]`, fresh ECDSA P-256 keys
 * (weak RSA allowed via keySpec), no extensions.
 */
export async function createTestCsr(options: {
  /** NameInput, or raw DER (see {@link hostileNameDer}). */
  subject?: NameInput | Uint8Array;
  commonName?: string;
  keySpec?: KeySpec;
  keys?: KeyPair;
  extensions?: readonly ExtensionInput[];
} = {}): Promise<{ readonly csr: ParsedCsr; readonly keys: KeyPair; readonly pem: string }> {
  const keys = options.keys ?? (await generateKeyPairUnchecked(options.keySpec ?? DEFAULT_KEY_SPEC));
  const subject = options.subject ?? commonNameInput(options.commonName ?? `certscrape test csr ${++counter}`);
  const csr = await createCsr({ subject, keys, ...(options.extensions ? { extensions: options.extensions } : {}) });
  return Object.freeze({ csr, keys, pem: csr.pem });
}

/**
 * Encodes a name WITHOUT the empty-value check (empty RDNs are still refused: they are not a Name), for hostile
 * fixtures such as a certificate or CSR with an empty CN: pass the result as `subject`.
 */
export function hostileNameDer(input: NameInput): Uint8Array {
  return encodeName(input, { allowEmpty: true });
}
