import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { EKU, goNameReading, identityValueProblem, isGoString, OID, parseCertificate, verifyChain, type ChainFailure, type ParsedCertificate } from '@certscrape/pkcs';
import type { CaBundle, CaBundleSource } from '../ca-bundle.js';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import { noopMetrics, type TargetAuthMetrics } from '../metrics.js';
import { notAuthenticated, type AuthenticationFailureReason, type AuthenticationResult, type UserInfo } from './user-info.js';

/** Options of {@link ClientCertAuthenticator}. */
export interface ClientCertAuthenticatorOptions {
  /** The trusted client CA bundle; its `generation` invalidates every cached verification. */
  readonly caBundle: CaBundleSource;
  /**
   * Clock skew allowed on the LEAF's notBefore/notAfter, in seconds. Default 60. Issuers get none
   * (as in Go's x509.Verify; docs/security-model.md).
   */
  readonly skewSeconds?: number;
  /** Peer-presented intermediates considered, at most. Default 8. */
  readonly maxIntermediates?: number;
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
  /** WebCrypto provider for signature checks. Default `globalThis.crypto`. */
  readonly crypto?: Crypto;
  /** How long a failed chain (by fingerprints, per CA generation) is answered from cache. Default 10 s. */
  readonly failureTtlMs?: number;
  /**
   * Chains OpenSSL already refused on a full handshake are refused without pkcs's work, except for this many
   * per second, which pkcs still verifies to detect a disagreement (pkcs accepting what OpenSSL refused).
   * Bounds what a client without a trusted certificate can make the target spend. Default 1.
   */
  readonly auditsPerSecond?: number;
  /** Counts OpenSSL/pkcs verdict disagreements. Default none. */
  readonly metrics?: TargetAuthMetrics;
  /** Logs OpenSSL/pkcs verdict disagreements (warn). Default silent. */
  readonly logger?: TargetAuthLogger;
}

/** A verification outcome plus the validity windows (ms): the leaf's (skew applies) and the issuers' (exact). */
interface Verified {
  readonly result: AuthenticationResult;
  readonly validFromMs: number;
  readonly validUntilMs: number;
  readonly issuersFromMs: number;
  readonly issuersUntilMs: number;
  /** When a failure stops being answered from cache (ms); Infinity for successes. */
  readonly expiresAtMs: number;
  /** True when only OpenSSL's refusal decided (pkcs did not run: no disagreement to report). */
  readonly opensslOnly?: boolean;
  /** pkcs accepted the CHAIN (the subject may still have been refused): what is compared with OpenSSL. */
  readonly chainAccepted?: boolean;
}

/** What one TLS socket presented (extracted once per socket: the peer chain cannot change). */
interface SocketState {
  /** The peer presented a certificate (false: token fallback may apply). */
  readonly presented: boolean;
  /** The peer's certificate (undefined when OpenSSL's refusal decides unread), then the other certificates it presented (DER read only when pkcs verifies). */
  readonly leaf: X509Certificate | undefined;
  readonly intermediates: readonly X509Certificate[];
  /** The chain's SHA-256 fingerprints, joined: the memo and failure-cache key. */
  readonly key: string;
  /** OpenSSL's verdict on this handshake against the same bundle (`socket.authorized`). */
  readonly opensslAuthorized: boolean;
  /** OpenSSL's reason when it refused (`socket.authorizationError`). */
  readonly opensslError: string | undefined;
  /** True for a resumed TLS session (no fresh OpenSSL verdict; the leaf only). */
  readonly resumed: boolean;
  /** Whether pkcs verifies this socket's chain (OpenSSL accepted, a resumed session, or an audit). */
  readonly pkcsAllowed: boolean;
  generation: number;
  verified: Verified | undefined;
  pending: Promise<Verified> | undefined;
}

const NO_CERT: SocketState = Object.freeze({ presented: false, leaf: undefined, intermediates: [], key: '', opensslAuthorized: false, opensslError: undefined, resumed: false, pkcsAllowed: false, generation: 0, verified: undefined, pending: undefined });
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
 * - on a full handshake, BOTH OpenSSL's verdict (`socket.authorized`, against the same bundle) and
 *   pkcs's must accept; a disagreement is refused, counted and logged (defence in depth);
 * - failed chains are remembered per chain fingerprint for `failureTtlMs` (a hostile client
 *   reconnecting with the same chain costs a map lookup), and a chain OpenSSL refused on a full handshake
 *   is refused without pkcs's work beyond `auditsPerSecond` audits (a client without a trusted
 *   certificate cannot make the target parse and search its chain);
 * - CN -> user name, O -> groups, read as Go reads them (see {@link userFromSubject}).
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
  readonly #failureTtlMs: number;
  readonly #auditsPerSecond: number;
  #auditWindow = { second: -1, used: 0 };
  readonly #metrics: TargetAuthMetrics;
  readonly #logger: TargetAuthLogger;
  readonly #sockets = new WeakMap<TLSSocket, SocketState>();
  // Successful verifications shared across sockets of one generation (many short connections
  // from the same scraper should not each pay for signature checks).
  // Settled verdicts, so a new connection with a known chain is answered synchronously (no re-parse, no promise).
  #memo = new Map<string, Verified>();
  #failures = new Map<string, Verified>();
  // Verifications under way, so connections presenting the same new chain at once (a scraper's
  // parallel connections, every open socket after a CA reload) share one instead of each paying it.
  #inflight = new Map<string, Promise<Verified>>();
  #pool = new Map<string, ParsedCertificate>();
  #memoGeneration = -1;

  constructor(options: ClientCertAuthenticatorOptions) {
    this.#bundle = options.caBundle;
    this.#skewSeconds = options.skewSeconds ?? 60;
    this.#skewMs = this.#skewSeconds * 1000;
    this.#maxIntermediates = options.maxIntermediates ?? 8;
    this.#now = options.now ?? Date.now;
    this.#crypto = options.crypto ?? globalThis.crypto;
    this.#failureTtlMs = options.failureTtlMs ?? 10_000;
    this.#auditsPerSecond = options.auditsPerSecond ?? 1;
    this.#metrics = options.metrics ?? noopMetrics;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Authenticates the peer of `socket`; undefined when it presented no certificate. */
  authenticateSocket(socket: TLSSocket): AuthenticationResult | Promise<AuthenticationResult> | undefined {
    let st = this.#sockets.get(socket);
    if (st === undefined) {
      // A chain OpenSSL refused on a full handshake is refused either way: unless it is this second's
      // audit, nothing of it is read (no certificate wrapped or parsed, no path search).
      const refusedByOpenSsl = socket.authorized !== true && !socket.isSessionReused();
      if (!refusedByOpenSsl) st = extract(socket, this.#maxIntermediates, true);
      else if (!presentedCertificate(socket)) st = NO_CERT;
      else st = this.#takeAudit() ? extract(socket, this.#maxIntermediates, true) : refusedUnread(socket);
      this.#sockets.set(socket, st);
    }
    if (!st.presented) return undefined;
    const bundle = this.#bundle.current();
    if (st.generation !== bundle.generation) {
      const state = st;
      state.generation = bundle.generation;
      state.verified = undefined;
      state.pending = undefined;
      const known = this.#knownVerdict(state, bundle);
      if (known !== undefined) {
        state.verified = this.#withOpenSslVerdict(state, known);
      } else {
        const p = this.#verifyAndRemember(state, bundle).then((v) => this.#withOpenSslVerdict(state, v));
        state.pending = p;
        void p.then((v) => {
          if (state.pending === p) {
            state.verified = v;
            state.pending = undefined;
          }
        });
      }
    }
    if (st.verified !== undefined) return this.#timeCheck(st.verified);
    return (st.pending as Promise<Verified>).then((v) => this.#timeCheck(v));
  }

  #timeCheck(v: Verified): AuthenticationResult {
    if (!v.result.ok) return v.result;
    const now = this.#now();
    if (now > v.validUntilMs + this.#skewMs || now > v.issuersUntilMs) return notAuthenticated('certificate-expired', 'a certificate in the chain has expired');
    if (now < v.validFromMs - this.#skewMs || now < v.issuersFromMs) return notAuthenticated('certificate-not-yet-valid', 'a certificate in the chain is not yet valid');
    return v.result;
  }

  /**
   * Defence in depth on a full handshake: OpenSSL verified the same chain against the same bundle;
   * authenticate only when both verdicts accept. A resumed session has no fresh OpenSSL verdict and
   * relies on pkcs alone (per-request re-verification, ADR 0002). A verdict against an older bundle
   * still counts: a connection made before a CA was added must reconnect to use it.
   */
  #withOpenSslVerdict(st: SocketState, v: Verified): Verified {
    const pkcsAccepted = v.chainAccepted === true;
    if (st.resumed || pkcsAccepted === st.opensslAuthorized || v.opensslOnly === true) return v;
    const acceptedBy = pkcsAccepted ? 'pkcs' : 'openssl';
    this.#metrics.verdictDisagreement?.(acceptedBy);
    this.#logger.warn(
      { acceptedBy, openssl: st.opensslError ?? 'accepted', pkcs: v.result.ok ? 'accepted' : v.result.detail },
      'client certificate chain: OpenSSL and pkcs disagree; refusing',
    );
    if (!v.result.ok) return v;
    return { ...v, result: notAuthenticated('certificate-untrusted', `OpenSSL refused the chain: ${st.opensslError ?? 'unknown reason'}`) };
  }

  /** One pkcs audit of an OpenSSL-refused chain, if this second's budget allows. */
  #takeAudit(): boolean {
    const second = Math.floor(this.#now() / 1000);
    if (this.#auditWindow.second !== second) this.#auditWindow = { second, used: 0 };
    if (this.#auditWindow.used >= this.#auditsPerSecond) return false;
    this.#auditWindow.used++;
    return true;
  }

  /**
   * A verdict known without pkcs's work, or undefined: a chain already accepted (or recently refused) under this
   * bundle generation, by fingerprints; or a chain OpenSSL refused on this full handshake (not audited).
   */
  #knownVerdict(st: SocketState, bundle: CaBundle): Verified | undefined {
    if (this.#memoGeneration !== bundle.generation) {
      this.#memo = new Map();
      this.#failures = new Map();
      this.#inflight = new Map();
      this.#pool = new Map();
      this.#memoGeneration = bundle.generation;
    }
    const hit = this.#memo.get(st.key);
    if (hit !== undefined) return hit;
    const failure = this.#failures.get(st.key);
    if (failure !== undefined && failure.expiresAtMs > this.#now()) return failure;
    // Refused either way (both verdicts must accept): no parsing, no path search for this client.
    if (!st.pkcsAllowed) return failed('certificate-untrusted', `OpenSSL refused the chain: ${st.opensslError ?? 'unknown reason'}`, this.#now() + this.#failureTtlMs, true);
    return undefined;
  }

  /** pkcs's verdict on the socket's chain, remembered per fingerprints for this bundle generation. */
  #verifyAndRemember(st: SocketState, bundle: CaBundle): Promise<Verified> {
    const running = this.#inflight.get(st.key);
    if (running !== undefined) return running;
    const inflight = this.#inflight;
    const p = this.#verify(st, bundle).catch((e: unknown): Verified => failed('certificate-malformed', `verification failed: ${(e as Error).message}`, this.#now() + this.#failureTtlMs));
    const settled = p.then((v) => {
      inflight.delete(st.key);
      if (this.#memoGeneration !== bundle.generation) return v;
      if (v.result.ok) {
        if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
        this.#memo.set(st.key, v);
      } else if (v.opensslOnly !== true) {
        // (An OpenSSL-only refusal costs nothing and depends on the socket's handshake: never shared.)
        // Failures are remembered briefly: long enough that a client reconnecting with the same hostile
        // chain costs a lookup, short enough that a chain failing for a transient reason recovers.
        if (this.#failures.size >= MEMO_LIMIT) this.#failures.clear();
        this.#failures.set(st.key, v);
      }
      return v;
    });
    inflight.set(st.key, settled);
    return settled;
  }

  async #verify(st: SocketState, bundle: CaBundle): Promise<Verified> {
    let leaf: ParsedCertificate;
    try {
      leaf = parseCertificate((st.leaf as X509Certificate).raw);
    } catch (e) {
      return failed('certificate-malformed', `peer certificate does not parse: ${(e as Error).message}`, this.#now() + this.#failureTtlMs);
    }
    const intermediates: ParsedCertificate[] = [];
    for (const c of st.intermediates) {
      try {
        intermediates.push(parseCertificate(c.raw));
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
    const failUntil = this.#now() + this.#failureTtlMs;
    if (!r.ok) return failed(reasonFor(r.reason), `chain rejected (${r.reason}): ${r.detail}`, failUntil);
    const user = userFromSubject(leaf);
    if (typeof user === 'string') return { ...failed('certificate-subject', user, failUntil), chainAccepted: true };
    let issuersFromMs = -Infinity;
    let issuersUntilMs = Infinity;
    for (const c of r.chain.slice(1)) {
      issuersFromMs = Math.max(issuersFromMs, c.notBefore.getTime());
      issuersUntilMs = Math.min(issuersUntilMs, c.notAfter.getTime());
    }
    // Remember the verified intermediates so resumed sessions (leaf only) still build.
    const roots = new Set(bundle.certificates.map((c) => c.serialNumber + formatKey(c)));
    for (const c of r.chain.slice(1)) {
      const k = c.serialNumber + formatKey(c);
      if (!roots.has(k) && this.#pool.size < POOL_LIMIT) this.#pool.set(k, c);
    }
    return { result: { ok: true, user }, validFromMs: leaf.notBefore.getTime(), validUntilMs: leaf.notAfter.getTime(), issuersFromMs, issuersUntilMs, expiresAtMs: Infinity, chainAccepted: true };
  }
}

function failed(reason: AuthenticationFailureReason, detail: string, expiresAtMs: number, opensslOnly = false): Verified {
  return { result: notAuthenticated(reason, detail), validFromMs: 0, validUntilMs: 0, issuersFromMs: 0, issuersUntilMs: 0, expiresAtMs, opensslOnly };
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

/**
 * The user a certificate names, read as kube-apiserver reads it (Go's `Subject.CommonName` -> name,
 * `Subject.Organization` -> groups; names decoded as Go decodes them), or a string: the reason for refusing.
 * Stricter than Go on purpose: exactly one CN (Go silently takes the last), no CN or O of a type Go does not
 * read as a string, and no CN or O that is empty, blank or contains a control/format character (U+0000,
 * U+200B, U+FEFF, ...: two names that look alike must not be two identities).
 */
export function userFromSubject(cert: ParsedCertificate): UserInfo | string {
  const attrs = cert.subject.flat();
  const cns = attrs.filter((a) => a.oid === OID.commonName);
  const orgs = attrs.filter((a) => a.oid === OID.organization);
  if (cns.length === 0) return 'subject has no CN';
  if (cns.length > 1) return 'subject has more than one CN';
  for (const a of [...cns, ...orgs]) {
    const what = a.oid === OID.commonName ? 'CN' : 'O';
    if (!isGoString(a)) return `subject ${what} is not a string Go reads`;
    const problem = identityValueProblem(a.value);
    if (problem !== undefined) return `subject ${what} ${JSON.stringify(a.value)} ${problem}`;
  }
  const reading = goNameReading(cert.subject);
  const name = reading.commonName as string;
  if (name.trim() === '') return 'subject CN is empty';
  return Object.freeze({ name, groups: Object.freeze([...reading.organizations]), authenticatedBy: 'client-certificate' as const });
}

/** node:tls's authorizationError when the peer presented no certificate (and, rarely, for a presented one). */
const NO_CERTIFICATE_ERROR = 'UNABLE_TO_GET_ISSUER_CERT';

/**
 * Whether the peer of a socket OpenSSL refused presented a certificate. Any refusal but node:tls's "no
 * certificate" code means one was (read without touching the certificate); for that code, look.
 */
function presentedCertificate(socket: TLSSocket): boolean {
  const error = socket.authorizationError;
  if (error !== undefined && error !== null && String(error) !== NO_CERTIFICATE_ERROR) return true;
  return socket.getPeerCertificate(false)?.raw !== undefined;
}

/** A socket whose chain OpenSSL refused on a full handshake, left unread: refused on that verdict alone. */
function refusedUnread(socket: TLSSocket): SocketState {
  const opensslError = socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String(socket.authorizationError);
  return { presented: true, leaf: undefined, intermediates: [], key: '', opensslAuthorized: false, opensslError, resumed: false, pkcsAllowed: false, generation: 0, verified: undefined, pending: undefined };
}

function extract(socket: TLSSocket, maxIntermediates: number, pkcsAllowed: boolean): SocketState {
  // Once per socket. getPeerX509Certificate() wraps the peer's certificates without converting them to
  // objects (getPeerCertificate(true) costs several times more per connection); its issuerCertificate links
  // walk the certificates the peer presented. DER is read only if pkcs verifies.
  const leaf = socket.getPeerX509Certificate();
  if (leaf === undefined) return NO_CERT;
  const leafFingerprint = leaf.fingerprint256;
  const intermediates: X509Certificate[] = [];
  const keyParts = [leafFingerprint];
  const seen = new Set<string>([leafFingerprint]);
  for (let cur = leaf.issuerCertificate; cur !== undefined && intermediates.length < maxIntermediates; cur = cur.issuerCertificate) {
    const fingerprint = cur.fingerprint256;
    if (seen.has(fingerprint)) continue; // a certificate presented twice adds nothing
    seen.add(fingerprint);
    intermediates.push(cur);
    keyParts.push(fingerprint);
  }
  const opensslError = socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String(socket.authorizationError);
  return {
    presented: true, leaf, intermediates, key: keyParts.join('|'), opensslAuthorized: socket.authorized === true, opensslError,
    resumed: socket.isSessionReused(), pkcsAllowed, generation: 0, verified: undefined, pending: undefined,
  };
}
