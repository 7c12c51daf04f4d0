import type { KubernetesObject } from '@kubernetes/client-node';
import { waitFor } from './wait-for.js';

/**
 * The informer a recorder listens to. `@certscrape/kube-runtime`'s `Informer` satisfies it
 * (kept structural so this package does not depend on the controllers' runtime).
 */
export interface RecordableSource<T> {
  on(handler: (e: { readonly type: 'add' | 'update' | 'delete'; readonly object: T }) => void): void;
  start(): void;
  stop(): Promise<void>;
  waitForSync(signal?: AbortSignal): Promise<void>;
  health(): { readonly synced: boolean; readonly watching: boolean; readonly lists: number; readonly restarts: number; readonly lastError: string | undefined };
}

/** One observed version of an object. */
export interface RecordedVersion<T, R> {
  /** Wall-clock ms when the event arrived. */
  readonly at: number;
  /** `ADDED` / `MODIFIED` / `DELETED`, as a watch names them. */
  readonly phase: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The object existed before the recorder synced (part of the first list). */
  readonly initial: boolean;
  readonly name: string;
  readonly resourceVersion: string;
  readonly object: T;
  /** What `inspect` said about this version. */
  readonly inspection: R;
}

const PHASE = { add: 'ADDED', update: 'MODIFIED', delete: 'DELETED' } as const;

/**
 * Records every version of the objects an informer sees, in order, each passed through
 * `inspect` (sequentially, so the order holds). Because an informer that loses its watch may
 * re-list, and a re-list skips the versions in between, a claim over "every version" is only
 * sound if the recorder watched the whole time: {@link assertWatchedThroughout} fails unless the
 * first list was the only one (every reconnect resumed from the last resourceVersion) and a watch
 * is open at the end. Assert it before trusting {@link settle}'s list.
 */
export class ObjectRecorder<T extends KubernetesObject, R = undefined> {
  readonly versions: RecordedVersion<T, R>[] = [];
  #pending: Promise<void> = Promise.resolve();
  #started = false;

  constructor(
    private readonly source: RecordableSource<T>,
    private readonly options: {
      /** For messages. */
      readonly name: string;
      /** Judges one version (e.g. "is this a matching cert/key pair"). */
      readonly inspect?: (object: T, phase: RecordedVersion<T, R>['phase']) => Promise<R> | R;
      /** Called for every object first seen after the initial list. */
      readonly onCreate?: (object: T) => void;
    },
  ) {
    const seen = new Set<string>();
    source.on((e) => {
      const initial = !source.health().synced;
      const name = e.object.metadata?.name ?? '';
      const phase = PHASE[e.type];
      if (!seen.has(name)) {
        seen.add(name);
        if (!initial && e.type === 'add') options.onCreate?.(e.object);
      }
      const at = Date.now();
      this.#pending = this.#pending.then(async () => {
        const inspection = (options.inspect ? await options.inspect(e.object, phase) : undefined) as R;
        this.versions.push({ at, phase, initial, name, resourceVersion: e.object.metadata?.resourceVersion ?? '', object: e.object, inspection });
      });
    });
  }

  /** Starts the informer and resolves once its first list is recorded. */
  async start(): Promise<void> {
    this.#started = true;
    this.source.start();
    await this.source.waitForSync();
    await this.#pending;
  }

  /** Names first seen after the initial list, in order. */
  created(): string[] {
    const out: string[] = [];
    for (const v of this.versions) if (!v.initial && v.phase === 'ADDED' && !out.includes(v.name)) out.push(v.name);
    return out;
  }

  /** Every version so far, once all inspections have finished. */
  async settle(): Promise<RecordedVersion<T, R>[]> {
    await this.#pending;
    return this.versions;
  }

  /**
   * Fails unless the recorder saw every version since it started: started, synced, listed
   * exactly once (no gap filled by a re-list), and watching now (waits up to `timeoutMs` for a
   * reconnect, e.g. right after an apiserver restart).
   */
  async assertWatchedThroughout(timeoutMs = 60_000): Promise<void> {
    const h = () => this.source.health();
    if (!this.#started || !h().synced) throw new Error(`${this.options.name}: recorder never synced; it saw nothing`);
    await waitFor(() => h().watching || h().lists > 1, { what: `${this.options.name} to be watching`, timeoutMs });
    const health = h();
    if (health.lists !== 1) throw new Error(`${this.options.name}: the informer re-listed (${health.lists} lists, last error ${health.lastError ?? 'none'}): versions in between may be missing`);
    if (!health.watching) throw new Error(`${this.options.name}: not watching at the end (last error ${health.lastError ?? 'none'})`);
  }

  async stop(): Promise<void> {
    await this.source.stop();
    await this.#pending;
  }
}
