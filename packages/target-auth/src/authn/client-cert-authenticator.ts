import type { PeerCertificate, TLSSocket } from 'node:tls';
import { EKU, OID, parseCertificate, verifyChain, type ChainFailure, type ParsedCertificate } from '@certscrape/pkcs';
import type { CaBundle, CaBundleSource } from '../ca-bundle.js';
import { notAuthenticated, type AuthenticationFailureReason, type AuthenticationResult, type UserInfo } from './user-info.js';

/** Options of {@link ClientCertAuthenticator}. */
export interface ClientCertAuthenticatorOptions {
  /** The trusted client CA bundle; its `generation` invalidates every cached verification. */
  readonly caBundle: CaBundleSource;
  /** Clock skew allowed on notBefore/notAfter, in seconds. Default 60. */
  readonly skewSeconds?: number;
  /** Peer-presented intermediates considered, at most. Default 8. */
  readonly maxIntermediates?: number;
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
  /** WebCrypto provider for signature checks. Default `globalThis.crypto`. */
  readonly crypto?: Crypto;
}

/** A verification outcome plus the validity window of the whole chain (ms). */
interface Verified {
  readonly result: AuthenticationResult;
  readonly validFromMs: number;
  readonly validUntilMs: number;
}

/** What one TLS socket presented (extracted once per socket: the peer chain cannot change). */
interface SocketState {
  readonly leafDer: Uint8Array | undefined;
  readonly intermediatesDer: readonly Uint8Array[];
  readonly key: string;
  generation: number;
  verified: Verified | undefined;
  pending: Promise<Verified> | undefined;
}

const NO_CERT: SocketState = Object.freeze({ leafDer: undefined, intermediatesDer: [], key: '', generation: 0, verified: undefined, pending: undefined });
const MEMO_LIMIT = 1024;
const POOL_LIMIT = 32;

/**
 * Client-certificate authentication against the CURRENT CA bundle, for every request:
 * - the chain (leaf + peer-presented intermediates) is verified with pkcs `verifyChain`
 *   (signatures, CA flags, path length, validity, EKU clientAuth when the leaf has an EKU)
 *   once per (TLS socket, CA-bundle generation), and the result is cached on the socket;
 * - a request after a CA change re-verifies, so keep-alive connections and resumed TLS sessions
 *   never outlive a CA swap (a resumed session re-presents the leaf; intermediates seen on
 *   verified full handshakes are remembered per generation so such chains still build);
 * - the chain's validity window is re-checked on every request with a cached number compare;
 * - CN -> user name (exactly one non-empty CN, otherwise not authenticated), O -> groups.
 * `authenticateSocket` returns undefined when no certificate was presented (token fallback may
 * then apply), a result synchronously on the hot path, or a promise on a socket's first request.
 */
export class ClientCertAuthenticator {
  readonly #bundle: CaBundleSource;
  readonly #skewMs: number;
  readonly #skewSeconds: number;
  readonly #maxIntermediates: number;
  readonly #now: () => number;
  readonly #crypto: Crypto;
  readonly #sockets = new WeakMap<TLSSocket, SocketState>();
  // Successful verifications shared across sockets of one generation (many short connections
  // from the same scraper should not each pay for signature checks).
  #memo = new Map<string, Promise<Verified>>();
  #pool = new Map<string, ParsedCertificate>();
  #memoGeneration = -1;

  constructor(options: ClientCertAuthenticatorOptions) {
    this.#bundle = options.caBundle;
    this.#skewSeconds = options.skewSeconds ?? 60;
    this.#skewMs = this.#skewSeconds * 1000;
    this.#maxIntermediates = options.maxIntermediates ?? 8;
    this.#now = options.now ?? Date.now;
    this.#crypto = options.crypto ?? globalThis.crypto;
  }

  /** Authenticates the peer of `socket`; undefined when it presented no certificate. */
  authenticateSocket(socket: TLSSocket): AuthenticationResult | Promise<AuthenticationResult> | undefined {
    let st = this.#sockets.get(socket);
    if (st === undefined) {
      st = extract(socket, this.#maxIntermediates);
      this.#sockets.set(socket, st);
    }
    if (st.leafDer === undefined) return undefined;
    const bundle = this.#bundle.current();
    if (st.generation !== bundle.generation) {
      const state = st;
      state.generation = bundle.generation;
      state.verified = undefined;
      const p = this.#verifyMemo(state, bundle);
      state.pending = p;
      void p.then((v) => {
        if (state.pending === p) {
          state.verified = v;
          state.pending = undefined;
        }
      });
    }
    if (st.verified !== undefined) return this.#timeCheck(st.verified);
    return (st.pending as Promise<Verified>).then((v) => this.#timeCheck(v));
  }

  #timeCheck(v: Verified): AuthenticationResult {
    if (!v.result.ok) return v.result;
    const now = this.#now();
    if (now > v.validUntilMs + this.#skewMs) return notAuthenticated('certificate-expired', 'a certificate in the chain has expired');
    if (now < v.validFromMs - this.#skewMs) return notAuthenticated('certificate-not-yet-valid', 'a certificate in the chain is not yet valid');
    return v.result;
  }

  #verifyMemo(st: SocketState, bundle: CaBundle): Promise<Verified> {
    if (this.#memoGeneration !== bundle.generation) {
      this.#memo = new Map();
      this.#pool = new Map();
      this.#memoGeneration = bundle.generation;
    }
    const hit = this.#memo.get(st.key);
    if (hit !== undefined) return hit;
    const p = this.#verify(st, bundle).catch(
      (e: unknown): Verified => ({ result: notAuthenticated('certificate-malformed', `verification failed: ${(e as Error).message}`), validFromMs: 0, validUntilMs: 0 }),
    );
    void p.then((v) => {
      // Only successes are shared; a failure stays on its socket (the pool may grow later).
      if (v.result.ok && this.#memoGeneration === bundle.generation) {
        if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
        this.#memo.set(st.key, p);
      }
    });
    return p;
  }

  async #verify(st: SocketState, bundle: CaBundle): Promise<Verified> {
    let leaf: ParsedCertificate;
    try {
      leaf = parseCertificate(st.leafDer as Uint8Array);
    } catch (e) {
      return failed('certificate-malformed', `peer certificate does not parse: ${(e as Error).message}`);
    }
    const intermediates: ParsedCertificate[] = [];
    for (const der of st.intermediatesDer) {
      try {
        intermediates.push(parseCertificate(der));
      } catch {
        // An unparseable extra certificate cannot help build a chain; ignore it.
      }
    }
    for (const c of this.#pool.values()) intermediates.push(c);
    const r = await verifyChain(
      leaf,
      { roots: bundle.certificates, intermediates, now: new Date(this.#now()), skewSeconds: this.#skewSeconds, requiredEku: EKU.clientAuth },
      this.#crypto,
    );
    if (!r.ok) return failed(reasonFor(r.reason), `chain rejected (${r.reason}): ${r.detail}`);
    const user = userFromSubject(leaf);
    if (typeof user === 'string') return failed('certificate-subject', user);
    let validFromMs = -Infinity;
    let validUntilMs = Infinity;
    for (const c of r.chain) {
      validFromMs = Math.max(validFromMs, c.notBefore.getTime());
      validUntilMs = Math.min(validUntilMs, c.notAfter.getTime());
    }
    // Remember the verified intermediates so resumed sessions (leaf only) still build.
    const roots = new Set(bundle.certificates.map((c) => c.serialNumber + formatKey(c)));
    for (const c of r.chain.slice(1)) {
      const k = c.serialNumber + formatKey(c);
      if (!roots.has(k) && this.#pool.size < POOL_LIMIT) this.#pool.set(k, c);
    }
    return { result: { ok: true, user }, validFromMs, validUntilMs };
  }
}

function failed(reason: AuthenticationFailureReason, detail: string): Verified {
  return { result: notAuthenticated(reason, detail), validFromMs: 0, validUntilMs: 0 };
}

function formatKey(c: ParsedCertificate): string {
  return Buffer.from(c.der).toString('base64');
}

function reasonFor(r: ChainFailure): AuthenticationFailureReason {
  switch (r) {
    case 'expired':
      return 'certificate-expired';
    case 'not-yet-valid':
      return 'certificate-not-yet-valid';
    case 'eku':
    case 'key-usage':
      return 'certificate-usage';
    case 'malformed':
      return 'certificate-malformed';
    default:
      return 'certificate-untrusted';
  }
}

/** CN -> name (exactly one, non-empty), O -> groups; a string is the reason for refusing. */
export function userFromSubject(cert: ParsedCertificate): UserInfo | string {
  const cns: string[] = [];
  const groups: string[] = [];
  for (const rdn of cert.subject) {
    for (const attr of rdn) {
      if (attr.oid === OID.commonName) cns.push(attr.value);
      else if (attr.oid === OID.organization && attr.value !== '') groups.push(attr.value);
    }
  }
  if (cns.length === 0) return 'subject has no CN';
  if (cns.length > 1) return 'subject has more than one CN';
  const name = cns[0] as string;
  if (name.trim() === '') return 'subject CN is empty';
  return Object.freeze({ name, groups: Object.freeze(groups), authenticatedBy: 'client-certificate' as const });
}

function extract(socket: TLSSocket, maxIntermediates: number): SocketState {
  // Once per socket. Use getPeerCertificate(true) only: calling getPeerX509Certificate() first
  // makes Node drop the issuer links of the detailed chain (observed on Node 20).
  const detailed = socket.getPeerCertificate(true) as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | null;
  if (detailed === null || detailed.raw === undefined || detailed.raw.length === 0) return NO_CERT;
  const leafDer = new Uint8Array(detailed.raw);
  const keyParts = [detailed.fingerprint256];
  const intermediatesDer: Uint8Array[] = [];
  const seen = new Set<string>([detailed.fingerprint256]);
  let cur = detailed.issuerCertificate;
  while (cur !== undefined && cur !== null && intermediatesDer.length < maxIntermediates && cur.raw !== undefined) {
    if (seen.has(cur.fingerprint256)) break; // self-signed top links to itself
    seen.add(cur.fingerprint256);
    intermediatesDer.push(new Uint8Array(cur.raw));
    keyParts.push(cur.fingerprint256);
    cur = (cur as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return { leafDer, intermediatesDer, key: keyParts.join('|'), generation: 0, verified: undefined, pending: undefined };
}
