// Reads latest.html back the way a person looks at it: which cells lie inside which band, per row,
// and what colour they are. The tests compare that with latest.json's counts. Pure.
import type { E2eReport } from './report.js';
import type { ScrapeCount } from './phase-window.js';

/** The picture reduced to geometry: band extents and cell centres along the time axis (px). */
export interface DrawnPicture {
  readonly bands: readonly { readonly key: string; readonly x0: number; readonly x1: number }[];
  readonly rows: readonly { readonly target: string; readonly path: string; readonly cells: readonly { readonly cx: number; readonly up: boolean }[] }[];
}

/** target -> phase key -> path -> {ok, total}: the shape of latest.json's `targets` detail. */
export type CountsByTarget = Record<string, Record<string, Record<string, ScrapeCount>>>;

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
/** Undoes the renderer's escaping (numeric character references). */
export const unescapeHtml = (s: string): string => s.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
const numAttr = (tag: string, name: string): number => Number(attr(tag, name) ?? NaN);

/** The geometry as the markup states it (the SVG's own x/width attributes). */
export function parseDrawnPicture(html: string): DrawnPicture {
  const bands = [...html.matchAll(/<g class="band" data-phase="([^"]*)"><rect([^>]*)>/g)].map((m) => {
    const x0 = numAttr(m[2] ?? '', 'x');
    return { key: unescapeHtml(m[1] ?? ''), x0, x1: x0 + numAttr(m[2] ?? '', 'width') };
  });
  const rows = [...html.matchAll(/<g class="row" data-target="([^"]*)" data-path="([^"]*)">([\s\S]*?)<\/g>/g)].map((m) => ({
    target: unescapeHtml(m[1] ?? ''),
    path: unescapeHtml(m[2] ?? ''),
    cells: [...(m[3] ?? '').matchAll(/<rect class="cell (up|down)"([^>]*)>/g)].map((c) => ({ cx: numAttr(c[2] ?? '', 'x') + numAttr(c[2] ?? '', 'width') / 2, up: c[1] === 'up' })),
  }));
  return { bands, rows };
}

/**
 * Counts, per row and band, the cells whose centre lies inside the band, edges included, give or
 * take `tolerancePx` (the markup rounds to 1e-6 px; a browser's layout keeps less).
 */
export function countDrawnCells(picture: DrawnPicture, tolerancePx = 1e-5): CountsByTarget {
  const out: CountsByTarget = {};
  for (const row of picture.rows) {
    for (const band of picture.bands) {
      const inside = row.cells.filter((c) => c.cx >= band.x0 - tolerancePx && c.cx <= band.x1 + tolerancePx);
      ((out[row.target] ??= {})[band.key] ??= {})[row.path] = { ok: inside.filter((c) => c.up).length, total: inside.length };
    }
  }
  return out;
}

/** latest.json's per-target counts for the given phase keys (a missing entry reads as 0/0). */
export function reportedCounts(report: E2eReport, picture: DrawnPicture): CountsByTarget {
  const targets = (report.targets ?? {}) as Record<string, Record<string, Record<string, ScrapeCount> | undefined> | undefined>;
  const out: CountsByTarget = {};
  for (const row of picture.rows) {
    for (const band of picture.bands) {
      const c = targets[row.target]?.[band.key]?.[row.path];
      ((out[row.target] ??= {})[band.key] ??= {})[row.path] = { ok: c?.ok ?? 0, total: c?.total ?? 0 };
    }
  }
  return out;
}
