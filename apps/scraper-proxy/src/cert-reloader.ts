import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createSecureContext } from 'node:tls';
import { certificateMatchesKey, formatName, importPrivateKeyPem, isPkcsError, parseCertificateBundle } from '@certscrape/pkcs';
import type { Logger } from 'pino';
import { ProxyError, isProxyError } from './errors.js';
import type { ProxyMetrics } from './metrics.js';
import { FileSource } from '@certscrape/process-kit';
import type { FileCheckResult, FileRefusal } from '@certscrape/process-kit';

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
  /** `fs.watch` the directories as an early hint (polling stays the truth). Default true. */
  readonly watchHint?: boolean;
}

/** Result of one poll. `unstable`: a file changed while being read — look again next time, count nothing. */
export type CheckResult = FileCheckResult;

interface CertReloaderEvents {
  change: [pair: ClientCertificatePair];
  refused: [error: ProxyError];
}

/**
 * Keeps the client certificate/key pair current, on process-kit's FileSource (the one hot-reload
 * implementation): `load()` reads and validates the pair once (fail fast: it rejects with a coded
 * error); `start()` then polls both files (through any `..data` symlink, as a Kubernetes Secret
 * volume swaps it; `fs.watch` only as a hint), compares the bytes with the pair in use, and takes
 * a different pair into use only when it validates — emitting `change`. A mismatched, truncated
 * or half-written pair is refused (one warning log line, `refused` event and metric per distinct
 * content) and the last good pair stays in use; a pair torn by a write in progress is re-read.
 */
export class CertReloader extends EventEmitter<CertReloaderEvents> {
  private readonly source: FileSource<ClientCertificatePair>;
  private readonly options: CertReloaderOptions;

  private constructor(options: CertReloaderOptions, source: FileSource<ClientCertificatePair>) {
    super();
    this.options = options;
    this.source = source;
    const { logger, metrics } = options;
    metrics?.certificateNotAfter.set(source.current.notAfter.getTime() / 1000);
    metrics?.refusedPairPending.set(0);
    source.on('change', (pair) => {
      metrics?.reloads.inc();
      metrics?.refusedPairPending.set(0);
      metrics?.certificateNotAfter.set(pair.notAfter.getTime() / 1000);
      logger?.info({ subject: pair.subject, serial: pair.serialNumber, notAfter: pair.notAfter.toISOString(), fingerprint: pair.fingerprint }, 'reloaded client certificate');
      this.emit('change', pair);
    });
    source.on('refused', (refusal) => this.refuse(refusal));
    source.on('recovered', () => {
      metrics?.refusedPairPending.set(0);
      logger?.info('mounted client certificate files are back to the pair in use');
    });
  }

  /** Reads and validates the pair; rejects with PROXY_ERR_PAIR_UNREADABLE / _INVALID / _MISMATCH. */
  static async load(options: CertReloaderOptions): Promise<CertReloader> {
    const source = await FileSource.open<ClientCertificatePair>({
      files: [options.certFile, options.keyFile],
      intervalMs: options.pollIntervalMs ?? 500,
      watchHint: options.watchHint ?? true,
      ...(options.readFile ? { readFile: options.readFile } : {}),
      unreadable: (_file, cause) => unreadable(options, cause),
      parse: ([cert, key]) => validatePair((cert as Buffer).toString('utf8'), (key as Buffer).toString('utf8')),
    });
    const pair = source.current;
    options.logger?.info({ subject: pair.subject, serial: pair.serialNumber, notAfter: pair.notAfter.toISOString(), fingerprint: pair.fingerprint }, 'loaded client certificate');
    return new CertReloader(options, source);
  }

  /** The pair in use. */
  get current(): ClientCertificatePair {
    return this.source.current;
  }

  /** Starts polling every pollIntervalMs (default 500 ms). The timer does not keep the process alive. */
  start(): this {
    this.source.start();
    return this;
  }

  /** Stops polling and waits for a poll in progress. */
  stop(): Promise<void> {
    return this.source.stop();
  }

  /** Polls once now (polls never overlap). */
  check(): Promise<CheckResult> {
    return this.source.check();
  }

  private refuse(refusal: FileRefusal): void {
    const error = refusal.reason === 'unreadable' ? unreadable(this.options, refusal.error) : isProxyError(refusal.error) ? refusal.error : new ProxyError('PROXY_ERR_PAIR_INVALID', String(refusal.error));
    const pair = this.source.current;
    this.options.metrics?.refusedPairs.inc({ reason: error.code });
    this.options.metrics?.refusedPairPending.set(1);
    this.options.logger?.warn(
      { code: error.code, reason: error.message, inUse: { serial: pair.serialNumber, notAfter: pair.notAfter.toISOString(), fingerprint: pair.fingerprint } },
      'refused new client certificate/key pair; keeping the last good pair',
    );
    this.emit('refused', error);
  }
}

function unreadable(options: CertReloaderOptions, cause: unknown): ProxyError {
  const code = (cause as { code?: unknown }).code;
  return new ProxyError('PROXY_ERR_PAIR_UNREADABLE', `cannot read ${options.certFile} / ${options.keyFile}: ${typeof code === 'string' ? code : String(cause)}`, { cause });
}
