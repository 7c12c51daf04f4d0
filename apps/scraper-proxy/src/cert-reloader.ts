import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { certificateMatchesKey, formatName, importPrivateKeyPem, isPkcsError, parseCertificateBundle } from '@certscrape/pkcs';
import type { Logger } from 'pino';
import { ProxyError, isProxyError } from './errors.js';
import type { ProxyMetrics } from './metrics.js';
import { PollLoop } from './poll-loop.js';

/** A validated client certificate and its private key, as taken into use. The key PEM is never logged. */
export interface ClientCertificatePair {
  /** The certificate file's content: leaf first, optional intermediates after it (sent as the chain). */
  readonly certPem: string;
  readonly keyPem: string;
  readonly subject: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 of the leaf's DER, lower-case hex (what a target would record). */
  readonly fingerprint: string;
}

/**
 * Validates a certificate/key pair: the certificate file holds >= 1 strict PEM CERTIFICATE blocks, the key is a
 * PKCS#8/SEC1/PKCS#1 key, the leaf's public key is the key's, and Node's TLS accepts the pair.
 * Throws PROXY_ERR_PAIR_INVALID (malformed, e.g. truncated or half-written) or PROXY_ERR_PAIR_MISMATCH.
 * Errors name what is wrong, never key material.
 */
export async function validatePair(certPem: string, keyPem: string): Promise<ClientCertificatePair> {
  let leaf;
  try {
    const bundle = parseCertificateBundle(certPem);
    leaf = bundle[0];
  } catch (e) {
    throw new ProxyError('PROXY_ERR_PAIR_INVALID', `certificate file is not a valid PEM certificate bundle (${isPkcsError(e) ? e.code : 'unparseable'})`, { cause: e });
  }
  if (leaf === undefined) throw new ProxyError('PROXY_ERR_PAIR_INVALID', 'certificate file holds no certificate');
  let keys;
  try {
    keys = await importPrivateKeyPem(keyPem);
  } catch (e) {
    // The cause is deliberately dropped: a key parser's message could quote the input.
    throw new ProxyError('PROXY_ERR_PAIR_INVALID', `key file is not a valid private key (${isPkcsError(e) ? e.code : 'unparseable'})`);
  }
  if (!(await certificateMatchesKey(leaf, keys))) {
    throw new ProxyError('PROXY_ERR_PAIR_MISMATCH', `the private key does not match the certificate ${formatName(leaf.subject)} (serial ${leaf.serialNumber})`);
  }
  try {
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new ProxyError('PROXY_ERR_PAIR_INVALID', `Node.js TLS cannot use the pair (${typeof code === 'string' ? code : 'unknown'})`);
  }
  return {
    certPem,
    keyPem,
    subject: formatName(leaf.subject),
    serialNumber: leaf.serialNumber,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    fingerprint: createHash('sha256').update(leaf.der).digest('hex'),
  };
}

/** Options of CertReloader.load. */
export interface CertReloaderOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** How often both files are read and compared. Default 500 ms. */
  readonly pollIntervalMs?: number;
  readonly logger?: Logger;
  readonly metrics?: ProxyMetrics;
  /** Injected for tests; default fs.promises.readFile. */
  readonly readFile?: (path: string) => Promise<Buffer>;
}

/** Result of one poll. `unstable`: a file changed while being read — look again next time, count nothing. */
export type CheckResult = 'unchanged' | 'changed' | 'refused' | 'unstable';

interface CertReloaderEvents {
  change: [pair: ClientCertificatePair];
  refused: [error: ProxyError];
}

/**
 * Keeps the client certificate/key pair current. `load()` reads and validates the pair once (fail fast: it
 * rejects with a coded error). `start()` then polls: it reads both files (through any `..data` symlink, as a
 * Kubernetes Secret volume swaps it), compares the bytes with the pair in use, and takes a different pair into
 * use only when it validates — emitting `change`. A mismatched, truncated or half-written pair is refused
 * (one warning log line, `refused` event and metric per distinct content) and the last good pair stays in use.
 * fs.watch is not used: it misses symlink swaps on many filesystems.
 */
export class CertReloader extends EventEmitter<CertReloaderEvents> {
  private pair: ClientCertificatePair;
  private currentDigest: string;
  private refusedDigest: string | undefined;
  private readonly options: CertReloaderOptions;
  private readonly loop: PollLoop<CheckResult>;
  private readonly read: (path: string) => Promise<Buffer>;

  private constructor(options: CertReloaderOptions, pair: ClientCertificatePair, digest: string) {
    super();
    this.options = options;
    this.read = options.readFile ?? ((p) => readFile(p));
    this.pair = pair;
    this.currentDigest = digest;
    this.loop = new PollLoop(() => this.poll(), options.pollIntervalMs ?? 500);
    options.metrics?.certificateNotAfter.set(pair.notAfter.getTime() / 1000);
    options.metrics?.refusedPairPending.set(0);
  }

  /** Reads and validates the pair; rejects with PROXY_ERR_PAIR_UNREADABLE / _INVALID / _MISMATCH. */
  static async load(options: CertReloaderOptions): Promise<CertReloader> {
    const read = options.readFile ?? ((p: string) => readFile(p));
    const { cert, key } = await readPair(read, options.certFile, options.keyFile);
    const pair = await validatePair(cert.toString('utf8'), key.toString('utf8'));
    options.logger?.info({ subject: pair.subject, serial: pair.serialNumber, notAfter: pair.notAfter.toISOString(), fingerprint: pair.fingerprint }, 'loaded client certificate');
    return new CertReloader(options, pair, digestOf(cert, key));
  }

  /** The pair in use. */
  get current(): ClientCertificatePair {
    return this.pair;
  }

  /** Starts polling every pollIntervalMs (default 500 ms). The timer does not keep the process alive. */
  start(): this {
    this.loop.start();
    return this;
  }

  /** Stops polling and waits for a poll in progress. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Polls once now (polls never overlap). */
  check(): Promise<CheckResult> {
    return this.loop.check();
  }

  private async poll(): Promise<CheckResult> {
    const { logger, metrics } = this.options;
    let cert: Buffer;
    let key: Buffer;
    try {
      ({ cert, key } = await readPair(this.read, this.options.certFile, this.options.keyFile));
      // Reading two files is not atomic: if the certificate changed meanwhile, the two may come from different
      // generations. Look again at the next poll instead of refusing a pair that never existed.
      const again = await this.read(this.options.certFile);
      if (!again.equals(cert)) return 'unstable';
    } catch (e) {
      return this.refuse(`unreadable:${isProxyError(e) ? e.message : String(e)}`, isProxyError(e) ? e : new ProxyError('PROXY_ERR_PAIR_UNREADABLE', String(e)));
    }
    const digest = digestOf(cert, key);
    if (digest === this.currentDigest) {
      if (this.refusedDigest !== undefined) {
        this.refusedDigest = undefined;
        metrics?.refusedPairPending.set(0);
        logger?.info('mounted client certificate files are back to the pair in use');
      }
      return 'unchanged';
    }
    if (digest === this.refusedDigest) return 'refused';
    let pair: ClientCertificatePair;
    try {
      pair = await validatePair(cert.toString('utf8'), key.toString('utf8'));
    } catch (e) {
      if (!isProxyError(e)) throw e;
      return this.refuse(digest, e);
    }
    this.pair = pair;
    this.currentDigest = digest;
    this.refusedDigest = undefined;
    metrics?.reloads.inc();
    metrics?.refusedPairPending.set(0);
    metrics?.certificateNotAfter.set(pair.notAfter.getTime() / 1000);
    logger?.info({ subject: pair.subject, serial: pair.serialNumber, notAfter: pair.notAfter.toISOString(), fingerprint: pair.fingerprint }, 'reloaded client certificate');
    this.emit('change', pair);
    return 'changed';
  }

  private refuse(digest: string, error: ProxyError): CheckResult {
    if (digest !== this.refusedDigest) {
      this.refusedDigest = digest;
      this.options.metrics?.refusedPairs.inc({ reason: error.code });
      this.options.metrics?.refusedPairPending.set(1);
      this.options.logger?.warn(
        { code: error.code, reason: error.message, inUse: { serial: this.pair.serialNumber, notAfter: this.pair.notAfter.toISOString(), fingerprint: this.pair.fingerprint } },
        'refused new client certificate/key pair; keeping the last good pair',
      );
      this.emit('refused', error);
    }
    return 'refused';
  }
}

async function readPair(read: (path: string) => Promise<Buffer>, certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  try {
    const [cert, key] = await Promise.all([read(certFile), read(keyFile)]);
    return { cert, key };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new ProxyError('PROXY_ERR_PAIR_UNREADABLE', `cannot read ${certFile} / ${keyFile}: ${typeof code === 'string' ? code : String(e)}`, { cause: e });
  }
}

function digestOf(cert: Buffer, key: Buffer): string {
  return createHash('sha256').update(createHash('sha256').update(cert).digest()).update(createHash('sha256').update(key).digest()).digest('hex');
}
