import type { V1Secret } from '@kubernetes/client-node';
import { NOT_AFTER_ANNOTATION, NOT_BEFORE_ANNOTATION } from '@certscrape/identity';
import { OperatorError } from './errors.js';
import { ISSUED_AT_ANNOTATION } from './installed-pair.js';
import { IDENTITY_ANNOTATION, MANAGED_BY_LABEL } from './pending-state.js';

/** The identity a Secret is marked as holding (`certscrape.io/identity`), or undefined. */
export function secretIdentity(secret: V1Secret | undefined): string | undefined {
  return secret?.metadata?.annotations?.[IDENTITY_ANNOTATION];
}

/** The Secret type the pair is written as. */
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/** What goes into the Secret in one write. */
export interface PairToInstall {
  readonly certPem: string;
  readonly keyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** When the operator received the certificate; floors the next rotation deadline. */
  readonly issuedAt: Date;
}

/**
 * The full Secret to write: `tls.crt` and `tls.key` together with the
 * `certscrape.io/not-before`/`not-after`/`issued-at` annotations (and `certscrape.io/identity`
 * when `target.identity` is given), in ONE object, so a
 * reader never sees a new cert with an old key. Other labels, annotations and data
 * keys of an existing Secret are kept, and its resourceVersion guards the update.
 * Throws `OPERATOR_ERR_SECRET_TYPE` when the existing Secret is not `kubernetes.io/tls`
 * (the type is immutable, and deleting the Secret is never an option).
 */
export function desiredTlsSecret(existing: V1Secret | undefined, target: { readonly namespace: string; readonly name: string; readonly identity?: string }, pair: PairToInstall): V1Secret {
  if (existing && existing.type !== undefined && existing.type !== TLS_SECRET_TYPE) {
    throw new OperatorError('OPERATOR_ERR_SECRET_TYPE', `Secret ${target.namespace}/${target.name} has type ${existing.type}, want ${TLS_SECRET_TYPE}`);
  }
  const meta = existing?.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: TLS_SECRET_TYPE,
    metadata: {
      name: target.name,
      namespace: target.namespace,
      ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
      labels: { ...(meta.labels ?? {}), ...MANAGED_BY_LABEL },
      annotations: {
        ...(meta.annotations ?? {}),
        [NOT_BEFORE_ANNOTATION]: pair.notBefore.toISOString(),
        [NOT_AFTER_ANNOTATION]: pair.notAfter.toISOString(),
        [ISSUED_AT_ANNOTATION]: pair.issuedAt.toISOString(),
        ...(target.identity !== undefined ? { [IDENTITY_ANNOTATION]: target.identity } : {}),
      },
    },
    data: {
      ...(existing?.data ?? {}),
      'tls.crt': Buffer.from(pair.certPem, 'utf8').toString('base64'),
      'tls.key': Buffer.from(pair.keyPem, 'utf8').toString('base64'),
    },
  };
}
