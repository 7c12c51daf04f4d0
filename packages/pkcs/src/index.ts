// @certscrape/pkcs — pure X.509 / PKCS#10 / PKCS#8 toolkit (no I/O, no clock).
import 'reflect-metadata';

export { PkcsError, isPkcsError } from './errors.js';
export type { PkcsErrorCode } from './errors.js';
export { decodePem, decodePemBlocks, encodePem } from './pem.js';
export type { PemBlock, PemDecodeOptions } from './pem.js';
export { DEFAULT_KEY_SPEC, describeSpki, exportPrivateKeyPem, exportSpki, generateKeyPair, importPrivateKeyPem } from './keys.js';
export type { KeyPair, KeySpec, PublicKeyInfo } from './keys.js';
export { commonNameInput, formatName, goNameReading, identityValueProblem, isGoString } from './names.js';
export type { DistinguishedName, GoNameReading, NameAttribute, NameInput, RelativeDistinguishedName } from './names.js';
export {
  basicConstraintsExtension, EKU, extendedKeyUsageExtension, keyUsageExtension, OID, subjectAltNameExtension,
} from './extensions.js';
export type { DecodedExtension, ExtensionInput, GeneralName, KeyUsageName, RawExtension } from './extensions.js';
export { checkCsrSignature, createCsr, parseCsr, verifyCsrSignature } from './csr.js';
export type { CsrAttribute, CsrSignatureVerdict, ParsedCsr } from './csr.js';
export { certificateMatchesKey, checkValidity, createCertificate, parseCertificate, parseCertificateBundle } from './certificate.js';
export type { ParsedCertificate } from './certificate.js';
export { MAX_CANDIDATE_CHECKS, verifyChain } from './chain.js';
export type { ChainFailure, ChainResult, VerifyChainOptions } from './chain.js';
