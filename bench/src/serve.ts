import type { Contender } from './support/contenders.js';
import { runLoad, type LoadMode } from './support/load.js';
import type { BenchPki } from './support/pki.js';
import { cpuMillisOf } from './support/proc.js';
import { median, round } from './support/stats.js';

/**
 * The key-exchange groups every contender is measured with: X25519, which all of them support (P-256 listed
 * second: nginx on OpenSSL 3.0 refuses a client whose groups exclude its ECDSA P-256 certificate's curve). Node 24's
 * client would otherwise offer X25519MLKEM768 first, which the Node servers accept and nginx (OpenSSL 3.0) and
 * Go 1.19 cannot, so the handshake ratios would compare different key exchanges.
 */
export const SERVE_KEY_EXCHANGE = 'X25519:P-256';

/** A load profile: how many requests, how many parallel connections, which headers. */
export interface Profile {
  readonly name: 'keepalive' | 'handshake' | 'keepalive_gzip';
  readonly mode: LoadMode;
  readonly requests: number;
  readonly concurrency: number;
  readonly headers?: Record<string, string>;
}

/** One measured run of one contender. */
export interface Sample {
  readonly cpuPer1000Ms: number;
  readonly rps: number;
  readonly ok: number;
  readonly errors: number;
}

/** Medians over the rounds, per contender and profile. */
export type ServeMedians = Record<string, Record<string, { cpuPer1000Ms: number; rps: number; samples: Sample[] }>>;

/**
 * Interleaved rounds: in each round every contender gets the same load, in a rotated
 * order, so slow drift of the machine hits all contenders alike. Server CPU comes
 * from /proc/PID/stat of the measured processes only; client and server share the
 * two cores, so CPU per request (not wall time) is the fair figure.
 */
export async function measureServe(contenders: readonly Contender[], profiles: readonly Profile[], pki: BenchPki, rounds: number, log: (s: string) => void): Promise<ServeMedians> {
  const out: ServeMedians = {};
  for (const profile of profiles) {
    for (const c of contenders) {
      // Warm-up (JIT, caches), not measured.
      await runLoad({ url: c.url, mode: profile.mode, requests: Math.ceil(profile.requests / 5), concurrency: profile.concurrency, maxMillis: 30_000, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, ecdhCurve: SERVE_KEY_EXCHANGE, ...(profile.headers ? { headers: profile.headers } : {}) });
    }
    const samples: Record<string, Sample[]> = {};
    for (let r = 0; r < rounds; r++) {
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]!);
      for (const c of order) {
        const before = cpuMillisOf(c.measured.pids());
        const res = await runLoad({ url: c.url, mode: profile.mode, requests: profile.requests, concurrency: profile.concurrency, maxMillis: 120_000, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, ecdhCurve: SERVE_KEY_EXCHANGE, ...(profile.headers ? { headers: profile.headers } : {}) });
        const cpu = cpuMillisOf(c.measured.pids()) - before;
        if (res.errors > 0) throw new Error(`${c.name} ${profile.name}: ${res.errors} failed requests ${JSON.stringify(res.statuses)}`);
        const s = { cpuPer1000Ms: round((cpu / res.ok) * 1000, 1), rps: round(res.ok / (res.elapsedMs / 1000), 0), ok: res.ok, errors: res.errors };
        (samples[c.name] ??= []).push(s);
        log(`    ${profile.name.padEnd(15)} round ${r + 1} ${c.name.padEnd(12)} ${String(s.cpuPer1000Ms).padStart(7)} ms CPU/1000 req ${String(s.rps).padStart(7)} req/s`);
      }
    }
    for (const [name, list] of Object.entries(samples)) {
      (out[name] ??= {})[profile.name] = { cpuPer1000Ms: median(list.map((s) => s.cpuPer1000Ms)), rps: median(list.map((s) => s.rps)), samples: list };
    }
  }
  return out;
}
