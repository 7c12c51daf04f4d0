// latest.html as a browser draws it: Debian's headless chromium renders the picture of a run; the
// screenshot must show the cells, and the laid-out DOM must hold one band per phase, one row per
// job, and per row and band exactly the green and red cells latest.json counts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpDom, screenshot } from './headless-chromium.js';
import { writeReport, type E2eReport } from './report.js';
import { CELL_COLOURS } from './report-html.js';
import { readReportPicture, writeReportPicture } from './report-html-file.js';
import { countDrawnCells, reportedCounts, type DrawnPicture } from './report-html-reading.js';
import { scenarioLikeTimeline } from './testing/scenario-like-timeline.js';
import { reportFor } from './testing/up-timeline-arbitrary.js';
import type { UpTimeline } from './up-timeline.js';

// Runs in the page (a test-only copy of it): reads the laid-out geometry and the computed fill of
// every cell, so the counts below come from what the browser drew, not from the markup's numbers.
const MEASURE = `<script>
addEventListener('load', () => {
  const box = (el) => el.getBoundingClientRect();
  const bands = [...document.querySelectorAll('g.band')].map((g) => { const r = box(g.querySelector('rect')); return { key: g.dataset.phase, x0: r.left, x1: r.right, fill: getComputedStyle(g.querySelector('rect')).fill }; });
  const rows = [...document.querySelectorAll('g.row')].map((g) => ({ target: g.dataset.target, path: g.dataset.path,
    cells: [...g.querySelectorAll('rect.cell')].map((c) => { const r = box(c); return { cx: r.left + r.width / 2, fill: getComputedStyle(c).fill }; }) }));
  const pre = document.createElement('pre'); pre.id = 'measured'; pre.textContent = JSON.stringify({ bands, rows, scrollHeight: document.documentElement.scrollHeight });
  document.body.append(pre);
});
</script>`;

interface Measured {
  readonly bands: { key: string; x0: number; x1: number; fill: string }[];
  readonly rows: { target: string; path: string; cells: { cx: number; fill: string }[] }[];
  readonly scrollHeight: number;
}

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
const css = (hex: string): string => `rgb(${rgb(hex).join(', ')})`;

// A real run: latest.json and latest.timeline.json of `npm run demo` on this machine (2026-12-01 22:47 UTC),
// the run docs/e2e-run.png shows.
const RECORDED = join(import.meta.dirname, '..', 'fixtures', 'e2e-run', 'latest.json');

describe.each<[string, () => Promise<{ report: E2eReport; timeline: UpTimeline }>]>([
  ['a recorded run (npm run demo on this machine)', () => readReportPicture(RECORDED)],
  ['a scenario-shaped (synthetic) run', async () => { const timeline = scenarioLikeTimeline(); return { report: reportFor(timeline), timeline }; }],
])('latest.html of %s, in headless chromium', (_name, load) => {
  let dir: string;
  let report: E2eReport;
  let timeline: UpTimeline;
  let measured: Measured;
  let png: PNG;

  beforeAll(async () => {
    ({ report, timeline } = await load());
    dir = await mkdtemp(join(tmpdir(), 'certscrape-picture-'));
    await writeReport(join(dir, 'latest.json'), report);
    const { htmlPath } = await writeReportPicture(join(dir, 'latest.json'), report, timeline);
    const html = await readFile(htmlPath, 'utf8');
    const probe = join(dir, 'measure.html');
    await writeFile(probe, html.replace('</body>', `${MEASURE}</body>`));
    const dom = await dumpDom(probe);
    measured = JSON.parse(/<pre id="measured">([^<]*)<\/pre>/.exec(dom)?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&') ?? 'null') as Measured;
    const shot = join(dir, 'latest.png');
    await screenshot(htmlPath, shot, { width: 1280, height: measured.scrollHeight });
    png = PNG.sync.read(await readFile(shot));
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the screenshot is not blank: many colours, a good share of non-white pixels, and both cell colours', () => {
    expect([png.width, png.height]).toEqual([1280, measured.scrollHeight]);
    const colours = new Map<number, number>();
    for (let i = 0; i < png.data.length; i += 4) {
      const key = ((png.data[i] ?? 0) << 16) | ((png.data[i + 1] ?? 0) << 8) | (png.data[i + 2] ?? 0);
      colours.set(key, (colours.get(key) ?? 0) + 1);
    }
    const pixels = png.width * png.height;
    const white = colours.get(0xffffff) ?? 0;
    expect(colours.size).toBeGreaterThan(20);
    expect((pixels - white) / pixels).toBeGreaterThan(0.1);
    const [ur, ug, ub] = rgb(CELL_COLOURS.up);
    const [dr, dg, db] = rgb(CELL_COLOURS.down);
    const ups = timeline.series.flatMap((s) => s.samples).filter(([, up]) => up === 1).length;
    const downs = timeline.series.flatMap((s) => s.samples).length - ups;
    // A cell is at least 1 px wide and 14 px high.
    expect(colours.get((ur << 16) | (ug << 8) | ub) ?? 0).toBeGreaterThanOrEqual(ups * 10);
    expect(colours.get((dr << 16) | (dg << 8) | db) ?? 0).toBeGreaterThanOrEqual(downs * 10);
    for (const band of measured.bands) {
      const [r, g, b] = band.fill.match(/\d+/g)?.map(Number) ?? [];
      expect(colours.get(((r ?? 0) << 16) | ((g ?? 0) << 8) | (b ?? 0)) ?? 0, `pixels of band ${band.key}`).toBeGreaterThan(100);
    }
  });

  it('the DOM has one band per phase and one row per target and path', () => {
    expect(measured.bands.map((b) => b.key)).toEqual(timeline.phases.map((p) => p.key));
    expect(measured.rows.map((r) => `${r.target}/${r.path}`)).toEqual(timeline.series.map((s) => `${s.target}/${s.path}`));
    expect(new Set(measured.bands.map((b) => b.fill)).size).toBe(measured.bands.length);
  });

  it('per row and band, the green and red cells are exactly the ok and failed scrapes of latest.json', () => {
    const fills = new Set(measured.rows.flatMap((r) => r.cells.map((c) => c.fill)));
    expect([...fills].sort()).toEqual([css(CELL_COLOURS.up), css(CELL_COLOURS.down)].filter((f) => fills.has(f)).sort());
    const drawn: DrawnPicture = {
      bands: measured.bands,
      rows: measured.rows.map((r) => ({ ...r, cells: r.cells.map((c) => ({ cx: c.cx, up: c.fill === css(CELL_COLOURS.up) })) })),
    };
    const onDisk = JSON.parse(JSON.stringify(report)) as E2eReport;
    expect(countDrawnCells(drawn, 1e-3)).toEqual(reportedCounts(onDisk, drawn));
    const rotation = measured.bands.find((b) => b.key === 'rotation');
    const redInRotation = drawn.rows.filter((r) => r.path !== 'token').flatMap((r) => r.cells).filter((c) => !c.up && rotation && c.cx >= rotation.x0 && c.cx <= rotation.x1).length;
    expect(redInRotation).toBe(onDisk.rotation.failedScrapes);
  });
});
