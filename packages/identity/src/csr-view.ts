/** A condition of a CSR's status, as far as the policy cares. */
export interface CsrCondition {
  readonly type: string;
  readonly status?: string;
}

/**
 * The approver's view of a `certificates.k8s.io/v1` CertificateSigningRequest,
 * decoded: `request` is the PEM text. Fields the object lacks are `undefined`
 * (never defaulted: the policy must see what was really sent).
 */
export interface CsrView {
  readonly name: string;
  readonly signerName: string;
  readonly username: string | undefined;
  readonly groups: readonly string[] | undefined;
  readonly usages: readonly string[] | undefined;
  readonly expirationSeconds: number | undefined;
  /** PEM text of the request, or '' when `spec.request` was missing or not base64. */
  readonly request: string;
  readonly conditions: readonly CsrCondition[];
}

/** The structural shape of a Kubernetes CSR object that `csrViewFromObject` reads. */
export interface CsrObjectLike {
  readonly metadata?: { readonly name?: string };
  readonly spec?: {
    readonly signerName?: string;
    readonly username?: string;
    readonly groups?: readonly string[];
    readonly usages?: readonly string[];
    readonly expirationSeconds?: number;
    /** base64 of the PEM bytes, as the API serialises `[]byte`. */
    readonly request?: string;
  };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status?: string }[] };
}

/** Builds a `CsrView` from a Kubernetes CSR object (as the Kubernetes client returns it). Never throws. */
export function csrViewFromObject(obj: CsrObjectLike): CsrView {
  const spec = obj.spec ?? {};
  return {
    name: obj.metadata?.name ?? '',
    signerName: spec.signerName ?? '',
    username: spec.username,
    groups: spec.groups ? [...spec.groups] : undefined,
    usages: spec.usages ? [...spec.usages] : undefined,
    expirationSeconds: spec.expirationSeconds ?? undefined,
    request: decodeBase64Text(spec.request ?? ''),
    conditions: (obj.status?.conditions ?? []).map((c) => ({ type: c.type, ...(c.status === undefined ? {} : { status: c.status }) })),
  };
}

/** True once a CSR is Approved, Denied or Failed: nothing is left to decide. */
export function isTerminal(conditions: readonly CsrCondition[]): boolean {
  return conditions.some((c) => (c.type === 'Approved' || c.type === 'Denied' || c.type === 'Failed') && c.status !== 'False');
}

function decodeBase64Text(b64: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return '';
  try {
    const binary = atob(b64);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return '';
  }
}
