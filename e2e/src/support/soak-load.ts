import { setTimeout as sleep } from 'node:timers/promises';
import type { ScrapeCount } from './phase-window.js';
import { scrapeDirect, type ScrapeCredentials } from './scrape-client.js';
import type { ScrapeTarget } from './scrape-matrix.js';

/** Distinct error texts kept for the report (the first ones). */
const MAX_ERRORS = 10;

/**
 * A steady extra load: one loop per target scraping it directly with the current client
 * certificate every `periodMs`, one request at a time, counting every answer (200 = ok).
 */
export class ScrapeLoad {
  readonly #counts = new Map<string, { ok: number; total: number }>();
  readonly #errors = new Set<string>();
  #running = true;
  readonly #loops: Promise<void>[];

  private constructor(targets: readonly ScrapeTarget[], credentials: () => ScrapeCredentials, caPem: string, periodMs: number) {
    this.#loops = targets.map(async (t) => {
      const c = { ok: 0, total: 0 };
      this.#counts.set(t.name, c);
      while (this.#running) {
        const r = await scrapeDirect(t.address, credentials(), caPem);
        c.total += 1;
        if (r.status === 200) c.ok += 1;
        else if (this.#errors.size < MAX_ERRORS) this.#errors.add(`${t.name}: ${r.status} ${r.error ?? ''}`.trim());
        await sleep(periodMs);
      }
    });
  }

  /** Starts the loops. */
  static start(targets: readonly ScrapeTarget[], credentials: () => ScrapeCredentials, caPem: string, periodMs: number): ScrapeLoad {
    return new ScrapeLoad(targets, credentials, caPem, periodMs);
  }

  /** Counts so far, per target name. */
  counts(): Record<string, ScrapeCount> {
    return Object.fromEntries([...this.#counts].map(([k, v]) => [k, { ...v }]));
  }

  /** The first distinct failures (status and error text). */
  get errors(): string[] {
    return [...this.#errors];
  }

  /** Stops the loops after their current request. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }
}
