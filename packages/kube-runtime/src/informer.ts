import { Watch } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { describeApiError, isGone } from './api-errors.js';
import { backoffDelay } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import type { Log } from './log.js';
import { silentLog } from './log.js';

/** The result of a list call: items plus the collection resourceVersion to watch from. */
export interface ListResult<T> {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly items: readonly T[];
}

/**
 * The watch transport. `@kubernetes/client-node`'s `Watch` satisfies it: `done` is called exactly
 * once when the stream ends (null on a clean close, an error with `statusCode` otherwise).
 */
export interface WatchTransport {
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, obj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<{ abort(): void }>;
}

/** What the informer tells its handlers. `old` is the cached object an update or delete replaced. */
export type InformerEvent<T> =
  | { readonly type: 'add'; readonly object: T }
  | { readonly type: 'update'; readonly object: T; readonly old: T }
  | { readonly type: 'delete'; readonly object: T };

/** Health snapshot; times are clock milliseconds (undefined = never). */
export interface InformerHealth {
  /** The first list has completed. */
  readonly synced: boolean;
  /** A watch stream is currently open. */
  readonly watching: boolean;
  readonly lastListTime: number | undefined;
  /** Last time a watch opened or delivered an event. */
  readonly lastWatchTime: number | undefined;
  readonly lastErrorTime: number | undefined;
  readonly lastError: string | undefined;
  /** Failures since the last success (drives the backoff). */
  readonly consecutiveFailures: number;
  /** Watch restarts since start (clean closes included). */
  readonly restarts: number;
  /** Full re-lists since start (the first list included). */
  readonly lists: number;
}

/** Options for {@link Informer}. */
export interface InformerOptions<T> {
  /** API path to watch, e.g. `/apis/certificates.k8s.io/v1/certificatesigningrequests`. */
  readonly path: string;
  /** Lists the collection (same path, same selectors). */
  readonly list: () => Promise<ListResult<T>>;
  readonly watch: WatchTransport;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Backoff between failed list/watch attempts. Default 500 ms doubling to 30 s, 20 % jitter. */
  readonly backoff?: BackoffOptions;
  /** Server-side watch timeout; each watch asks for a random value in [t, 2t] like client-go. Default 300 s. */
  readonly watchTimeoutSeconds?: number;
  /** A watch that stays silent this long after its server timeout is aborted and restarted. Default 30 s. */
  readonly watchGraceMs?: number;
  /** A list, or a watch that has not answered with headers, is abandoned after this long. Default 60 s. */
  readonly requestTimeoutMs?: number;
  /** Human name for logs. Default the path. */
  readonly name?: string;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly log?: Log;
}

/**
 * A list+watch cache that never gives up: every failure (apiserver down, watch dropped, 410 Gone,
 * RBAC hiccup) is retried with capped exponential backoff and jitter, resuming from the last
 * resourceVersion and re-listing (with a diff into add/update/delete events) when that is too old.
 * Handlers run synchronously and must not throw (errors are caught and logged).
 */
export class Informer<T extends KubernetesObject> {
  private readonly opts: InformerOptions<T>;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Log;
  private readonly cache = new Map<string, T>();
  private readonly handlers: ((e: InformerEvent<T>) => void)[] = [];
  private readonly syncWaiters: (() => void)[] = [];
  private resourceVersion = '';
  private stopController: AbortController | undefined;
  private currentWatch: { abort(): void } | undefined;
  private loop: Promise<void> | undefined;
  private state = {
    synced: false,
    watching: false,
    lastListTime: undefined as number | undefined,
    lastWatchTime: undefined as number | undefined,
    lastErrorTime: undefined as number | undefined,
    lastError: undefined as string | undefined,
    consecutiveFailures: 0,
    restarts: 0,
    lists: 0,
  };

  constructor(options: InformerOptions<T>) {
    this.opts = options;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLog;
  }

  /** Registers an event handler (call before start to see the initial adds). */
  on(handler: (e: InformerEvent<T>) => void): void {
    this.handlers.push(handler);
  }

  /** Starts the list/watch loop in the background; idempotent. */
  start(): void {
    if (this.loop) return;
    this.stopController = new AbortController();
    this.loop = this.run(this.stopController.signal);
  }

  /** Stops the loop and closes the watch; resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.stopController?.abort();
    this.currentWatch?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** Resolves once the first list has been applied (or when `signal` aborts). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.state.synced || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** The cached object by name (and namespace for namespaced kinds). */
  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(cacheKey(namespace, name));
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.cache.values()];
  }

  /** A copy of the health counters. */
  health(): InformerHealth {
    return { ...this.state };
  }

  /**
   * True when the cache is synced and either a watch is open or the last successful
   * list/watch was less than `maxStalenessMs` ago (default 60 s).
   */
  isHealthy(maxStalenessMs = 60_000): boolean {
    const s = this.state;
    if (!s.synced) return false;
    if (s.watching) return true;
    const last = Math.max(s.lastListTime ?? -Infinity, s.lastWatchTime ?? -Infinity);
    return this.clock.now() - last < maxStalenessMs;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) await this.relist();
        if (signal.aborted) break;
        const outcome = await this.watchOnce(signal);
        this.state.restarts += 1;
        if (outcome.gone) {
          this.log.info({ informer: this.name }, 'watch resourceVersion expired; re-listing');
          this.resourceVersion = '';
        }
        if (outcome.productive || outcome.gone) {
          this.state.consecutiveFailures = 0;
        } else {
          // A watch that closes at once without delivering anything counts as a failure, so a
          // misbehaving server cannot make us spin.
          await this.failed(new Error('watch closed immediately'), signal);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          this.resourceVersion = '';
          continue;
        }
        await this.failed(err, signal);
      }
    }
    this.state.watching = false;
  }

  private get name(): string {
    return this.opts.name ?? this.opts.path;
  }

  private async failed(err: unknown, signal: AbortSignal): Promise<void> {
    this.state.consecutiveFailures += 1;
    this.state.lastErrorTime = this.clock.now();
    this.state.lastError = describeApiError(err);
    const delay = backoffDelay(this.state.consecutiveFailures, this.opts.backoff, this.random);
    this.log.warn(
      { informer: this.name, error: this.state.lastError, failures: this.state.consecutiveFailures, retryInMs: delay },
      'list/watch failed; backing off',
    );
    await this.clock.sleep(delay, signal);
  }

  private async relist(): Promise<void> {
    const result = await this.withTimeout(this.opts.list(), 'list');
    const fresh = new Map<string, T>();
    for (const item of result.items) fresh.set(objectKey(item), item);
    const events: InformerEvent<T>[] = [];
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) events.push({ type: 'delete', object: old });
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      if (!old) events.push({ type: 'add', object: obj });
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) events.push({ type: 'update', object: obj, old });
    }
    this.cache.clear();
    for (const [key, obj] of fresh) this.cache.set(key, obj);
    this.resourceVersion = result.metadata?.resourceVersion ?? '';
    this.state.lastListTime = this.clock.now();
    this.state.lists += 1;
    this.state.consecutiveFailures = 0;
    for (const e of events) this.emit(e);
    if (!this.state.synced) {
      this.state.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Races `p` against the request timeout so a half-open connection cannot stall the loop. */
  private async withTimeout<R>(p: Promise<R>, what: string): Promise<R> {
    const timer = new AbortController();
    const ms = this.opts.requestTimeoutMs ?? 60_000;
    const timeout = this.clock.sleep(ms, timer.signal).then(() => {
      if (!timer.signal.aborted) throw new Error(`${what} did not answer within ${ms} ms`);
      return undefined as never;
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      timer.abort();
    }
  }

  private watchOnce(signal: AbortSignal): Promise<{ gone: boolean; productive: boolean }> {
    const base = this.opts.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.floor(base * (1 + this.random()));
    const query: Record<string, string | number | boolean | undefined> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
    };
    return new Promise((resolve, reject) => {
      let settled = false;
      let gone = false;
      let productive = false;
      let statusError: Error | undefined;
      const watchdog = new AbortController();
      const onAbort = () => {
        this.currentWatch?.abort();
        finish(null);
      };
      const finish = (err: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        watchdog.abort();
        this.state.watching = false;
        this.currentWatch = undefined;
        if (gone || isGone(err)) return resolve({ gone: true, productive });
        if (statusError) return reject(statusError);
        if (err && !signal.aborted) return reject(err);
        resolve({ gone: false, productive });
      };
      const onEvent = (phase: string, raw: unknown) => {
        if (settled) return;
        const obj = raw as T & { code?: number; message?: string };
        this.state.lastWatchTime = this.clock.now();
        productive = true;
        switch (phase) {
          case 'ADDED':
          case 'MODIFIED': {
            const key = objectKey(obj);
            const old = this.cache.get(key);
            this.cache.set(key, obj);
            if (!old) this.emit({ type: 'add', object: obj });
            else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit({ type: 'update', object: obj, old });
            break;
          }
          case 'DELETED': {
            const key = objectKey(obj);
            const old = this.cache.get(key);
            this.cache.delete(key);
            this.emit({ type: 'delete', object: old ?? obj });
            break;
          }
          case 'BOOKMARK':
            break;
          case 'ERROR': {
            if (obj.code === 410) gone = true;
            else statusError = Object.assign(new Error(`watch error: ${obj.message ?? 'unknown'}`), { statusCode: obj.code });
            this.currentWatch?.abort();
            finish(null);
            return;
          }
          default:
            return;
        }
        const rv = obj.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
      };
      // A watch whose request never gets response headers is abandoned after the request timeout.
      const connectMs = this.opts.requestTimeoutMs ?? 60_000;
      void this.clock.sleep(connectMs, watchdog.signal).then(() => {
        if (!settled && !this.state.watching && !watchdog.signal.aborted) finish(new Error(`watch did not connect within ${connectMs} ms`));
      });
      this.opts.watch.watch(this.opts.path, query, onEvent, finish).then(
        (handle) => {
          if (settled) {
            handle.abort();
            return;
          }
          this.currentWatch = handle;
          this.state.watching = true;
          this.state.lastWatchTime = this.clock.now();
          this.state.consecutiveFailures = 0;
          if (signal.aborted) {
            handle.abort();
            finish(null);
            return;
          }
          // If the server never closes the stream (half-open TCP), abort it ourselves.
          void this.clock.sleep(timeoutSeconds * 1000 + (this.opts.watchGraceMs ?? 30_000), watchdog.signal).then(() => {
            if (!settled && !signal.aborted && !watchdog.signal.aborted) {
              this.log.warn({ informer: this.name }, 'watch outlived its timeout; restarting');
              handle.abort();
              finish(null);
            }
          });
        },
        (err: unknown) => finish(err ?? new Error('watch failed')),
      );
      if (!settled) signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private emit(e: InformerEvent<T>): void {
    for (const h of this.handlers) {
      try {
        h(e);
      } catch (err) {
        this.log.error({ informer: this.name, error: String(err) }, 'informer handler threw');
      }
    }
  }
}

/** Options for {@link createInformer}: everything but the transport, which comes from the KubeConfig. */
export type CreateInformerOptions<T> = Omit<InformerOptions<T>, 'watch'> & { readonly watch?: WatchTransport };

/** An {@link Informer} whose watch uses client-node's `Watch` over `kubeConfig`. */
export function createInformer<T extends KubernetesObject>(kubeConfig: KubeConfig, options: CreateInformerOptions<T>): Informer<T> {
  return new Informer<T>({ ...options, watch: options.watch ?? (new Watch(kubeConfig) as unknown as WatchTransport) });
}

function cacheKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function objectKey(obj: KubernetesObject): string {
  return cacheKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}
