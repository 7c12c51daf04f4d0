import { isIP } from 'node:net';
import {
  commonNameInput,
  createCertificate,
  EKU,
  encodePem,
  exportPrivateKeyPem,
  exportSpki,
  generateKeyPair,
  type GeneralName,
  type KeyPair,
} from '@certscrape/pkcs';

/** A certificate and its key, both PEM. */
export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Every credential a local cluster needs, as PEM text (nothing written yet). */
export interface ClusterPki {
  /** The cluster CA: serving CA and client CA (--client-ca-file); also the CSR signing CA unless `signer` is set. */
  readonly ca: PemPair;
  /** A separate CSR signing CA (ClusterPkiOptions.separateSigningCa): in the client CA bundle beside the cluster CA, so it can be rotated out. */
  readonly signer?: PemPair;
  readonly apiserverServing: PemPair;
  /** CN=kubernetes-admin, O=system:masters. */
  readonly admin: PemPair;
  /** CN=system:kube-controller-manager, O=system:masters (it runs without per-controller service accounts). */
  readonly controllerManagerClient: PemPair;
  readonly controllerManagerServing: PemPair;
  /** Service-account token signing key (PKCS#8) and its public key (SPKI "PUBLIC KEY"). */
  readonly serviceAccount: { readonly keyPem: string; readonly publicKeyPem: string };
}

/** Options of createClusterPki. `now` anchors validity (NotBefore = now - 1h for clock skew). */
export interface ClusterPkiOptions {
  readonly bindAddress: string;
  readonly now: Date;
  /** CA lifetime; default 10 years. Leaf lifetimes default to the same. */
  readonly validityDays?: number;
  /** Also make a separate CSR signing CA (`signer`). */
  readonly separateSigningCa?: boolean;
}

/** Options of createSigningCa. */
export interface SigningCaOptions {
  /** Subject CN, e.g. `certscrape-local-cluster-signer-2`. */
  readonly commonName: string;
  /** Anchors validity: NotBefore = now - 1h (clock skew), NotAfter = now + validityDays. */
  readonly now: Date;
  /** Default 10 years. */
  readonly validityDays?: number;
}

/** A self-signed CSR signing CA (ECDSA P-256) for kube-controller-manager's --cluster-signing-cert-file. */
export async function createSigningCa(options: SigningCaOptions): Promise<PemPair> {
  const keys = await generateKeyPair();
  const cert = await createCertificate({
    subject: commonNameInput(options.commonName),
    publicKey: keys.publicKey,
    signer: { privateKey: keys.privateKey },
    notBefore: new Date(options.now.getTime() - 3600_000),
    notAfter: new Date(options.now.getTime() + (options.validityDays ?? 3650) * 86400_000),
    ca: {},
  });
  return { certPem: cert.pem, keyPem: await exportPrivateKeyPem(keys) };
}

/** The client CA bundle kube-apiserver starts with: the cluster CA, then the separate signing CA if any. */
export function initialClientCaBundle(pki: Pick<ClusterPki, 'ca' | 'signer'>): string {
  return joinPemBundle([pki.ca.certPem, ...(pki.signer ? [pki.signer.certPem] : [])]);
}

/** Certificates (PEM) as one bundle file: each trimmed, newline-terminated. */
export function joinPemBundle(pems: readonly string[]): string {
  return pems.map((p) => `${p.trim()}\n`).join('');
}

/** DNS names kube-apiserver's serving certificate always carries. */
export const APISERVER_DNS_NAMES = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'] as const;

/** The SANs of the kube-apiserver serving certificate: 127.0.0.1, ::1, the service IP 10.0.0.1, the DNS names, and the bind address when it is a specific IP. */
export function apiserverSubjectAltNames(bindAddress: string): GeneralName[] {
  const ips = ['127.0.0.1', '::1', '10.0.0.1'];
  if (isIP(bindAddress) && bindAddress !== '0.0.0.0' && bindAddress !== '::' && !ips.includes(bindAddress)) ips.push(bindAddress);
  return [...APISERVER_DNS_NAMES.map((value): GeneralName => ({ type: 'dns', value })), ...ips.map((value): GeneralName => ({ type: 'ip', value }))];
}

/** Generates the cluster's PKI with @certscrape/pkcs (ECDSA P-256 everywhere). */
export async function createClusterPki(options: ClusterPkiOptions): Promise<ClusterPki> {
  const notBefore = new Date(options.now.getTime() - 3600_000);
  const notAfter = new Date(options.now.getTime() + (options.validityDays ?? 3650) * 86400_000);

  const caKeys = await generateKeyPair();
  const caCert = await createCertificate({
    subject: commonNameInput('certscrape-local-cluster-ca'),
    publicKey: caKeys.publicKey,
    signer: { privateKey: caKeys.privateKey },
    notBefore,
    notAfter,
    ca: {},
  });

  const leaf = async (opts: {
    cn: string;
    organizations?: readonly string[];
    eku: string;
    sans?: readonly GeneralName[];
  }): Promise<PemPair> => {
    const keys = await generateKeyPair();
    const cert = await createCertificate({
      subject: commonNameInput(opts.cn, opts.organizations),
      publicKey: keys.publicKey,
      signer: { privateKey: caKeys.privateKey, certificate: caCert },
      notBefore,
      notAfter,
      keyUsages: ['digitalSignature'],
      extendedKeyUsages: [opts.eku],
      ...(opts.sans ? { subjectAltNames: opts.sans } : {}),
    });
    return { certPem: cert.pem, keyPem: await exportPrivateKeyPem(keys) };
  };

  const [apiserverServing, admin, controllerManagerClient, controllerManagerServing, serviceAccount] = await Promise.all([
    leaf({ cn: 'kube-apiserver', eku: EKU.serverAuth, sans: apiserverSubjectAltNames(options.bindAddress) }),
    leaf({ cn: 'kubernetes-admin', organizations: ['system:masters'], eku: EKU.clientAuth }),
    leaf({ cn: 'system:kube-controller-manager', organizations: ['system:masters'], eku: EKU.clientAuth }),
    leaf({
      cn: 'kube-controller-manager',
      eku: EKU.serverAuth,
      sans: [
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ],
    }),
    serviceAccountKeys(),
  ]);
  const signer = options.separateSigningCa ? await createSigningCa({ commonName: 'certscrape-local-cluster-signer', now: options.now, ...(options.validityDays ? { validityDays: options.validityDays } : {}) }) : undefined;
  return { ca: { certPem: caCert.pem, keyPem: await exportPrivateKeyPem(caKeys) }, ...(signer ? { signer } : {}), apiserverServing, admin, controllerManagerClient, controllerManagerServing, serviceAccount };
}

async function serviceAccountKeys(): Promise<{ keyPem: string; publicKeyPem: string }> {
  const keys: KeyPair = await generateKeyPair();
  return { keyPem: await exportPrivateKeyPem(keys), publicKeyPem: encodePem(await exportSpki(keys), 'PUBLIC KEY') };
}
