// The run as a picture: e2e/results/latest.html. One self-contained HTML file (inline CSS and
// SVG; no script, no link, no font or image to fetch) drawn from the same UpTimeline the report's
// counts come from. Pure: data in, string out; no clock (the date shown is the run's).
import { verdicts as judge, type E2eReport, type Verdict } from './report.js';
import type { ScrapeCount } from './phase-window.js';
import { countSeries, jobKey, type UpSeries, type UpTimeline } from './up-timeline.js';

/** What {@link renderReportHtml} draws. */
export interface ReportPicture {
  /** latest.json; its verdicts make the summary table. */
  readonly report: E2eReport;
  readonly timeline: UpTimeline;
  /** Heading; default "certscrape e2e run". */
  readonly title?: string;
}

/** Fill colours of a scrape cell: `up` 1 and `up` 0 (the Chromium test looks for these pixels). */
export const CELL_COLOURS = Object.freeze({ up: '#2b8a3e', down: '#e03131' });

/** Band tints per phase key; phases not listed take the next of {@link EXTRA_BAND_TINTS}. */
const BAND_TINTS: Readonly<Record<string, string>> = {
  baseline: '#e9ecef',
  cut: '#ffec99',
  apiserverDown: '#ffc9c9',
  rotation: '#a5d8ff',
  loadStep: '#d0bfff',
};
const EXTRA_BAND_TINTS = ['#b2f2bb', '#ffd8a8', '#99e9f2', '#fcc2d7'];

/** Geometry (px). The plot maps the run's span linearly onto [PLOT_X, PLOT_X + PLOT_W]. */
const LABEL_W = 210;
const PLOT_X = LABEL_W + 10;
const PLOT_W = 1000;
const SVG_W = PLOT_X + PLOT_W + 20;
const BAND_LABEL_H = 34;
const ROW_H = 14;
const ROW_GAP = 3;
const TARGET_GAP = 8;
const AXIS_H = 30;

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// Six decimals: a scrape 1 ms inside a band edge stays inside it on a run of hours (the tests check it).
const num = (n: number): string => String(Math.round(n * 1e6) / 1e6);
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** Renders the whole page: heading, verdicts, the timeline (SVG), marker list and summary tables. */
export function renderReportHtml(picture: ReportPicture): string {
  const { timeline } = picture;
  const verdicts = judge(picture.report);
  const title = picture.title ?? 'certscrape e2e run';
  const allHold = verdicts.length > 0 && verdicts.every((v) => v.holds);
  const date = new Date(timeline.startMs).toISOString().slice(0, 16).replace('T', ' ');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(title)} <small>${escapeHtml(date)} UTC</small></h1>`,
    `<p class="lead">Every cell is one scrape as Prometheus recorded it in <code>up</code>: <span class="key up"></span> succeeded (1), <span class="key down"></span> failed (0). ` +
      'Rows: each target scraped three ways — <b>cert</b> (Prometheus presents the client certificate), <b>proxy</b> (through certscrape-scraper-proxy), <b>token</b> (a service-account token, the control group). ' +
      'The counts below are computed from the same samples.</p>',
    `<p class="verdict ${allHold ? 'holds' : 'fails'}">${allHold ? 'Every claim holds.' : 'Some claims do NOT hold.'}</p>`,
    renderTimelineSvg(timeline),
    renderMarkerList(timeline),
    timeline.notes?.length ? `<ul class="notes">\n${timeline.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>` : '',
    renderVerdictTable(verdicts),
    renderJobTable(timeline),
    '</body></html>',
    '',
  ].join('\n');
}

/** Rows in display order, grouped by target (the series order of the timeline). */
function rowLayout(series: readonly UpSeries[]): { series: UpSeries; y: number }[] {
  let y = BAND_LABEL_H + 6;
  let prevTarget: string | undefined;
  return series.map((s) => {
    if (prevTarget !== undefined && s.target !== prevTarget) y += TARGET_GAP;
    prevTarget = s.target;
    const row = { series: s, y };
    y += ROW_H + ROW_GAP;
    return row;
  });
}

/** A tick step (s) giving 5–12 ticks over `spanS`. */
function tickStep(spanS: number): number {
  const steps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
  return steps.find((s) => spanS / s <= 12) ?? 3600;
}

function renderTimelineSvg(t: UpTimeline): string {
  const span = Math.max(1, t.endMs - t.startMs);
  const x = (ms: number): number => PLOT_X + ((ms - t.startMs) / span) * PLOT_W;
  const pxPerMs = PLOT_W / span;
  const rows = rowLayout(t.series);
  const rowsBottom = (rows.at(-1)?.y ?? BAND_LABEL_H) + ROW_H + 4;
  const height = rowsBottom + AXIS_H;
  const out: string[] = [];
  out.push(`<svg class="timeline" width="${SVG_W}" height="${height}" viewBox="0 0 ${SVG_W} ${height}" role="img" aria-label="up per job over the run">`);

  // Phase bands: full height, label on one of two lines so neighbouring narrow bands stay legible.
  let extra = 0;
  t.phases.forEach((p, i) => {
    const tint = BAND_TINTS[p.key] ?? EXTRA_BAND_TINTS[extra++ % EXTRA_BAND_TINTS.length];
    const bx = x(p.startMs);
    const bw = Math.max(0, x(p.endMs) - bx); // true width: the band edges say which scrapes belong to the phase
    out.push(
      `<g class="band" data-phase="${escapeHtml(p.key)}"><rect class="band-area" x="${num(bx)}" y="${BAND_LABEL_H - 4}" width="${num(bw)}" height="${num(rowsBottom - BAND_LABEL_H + 4)}" fill="${tint}">` +
        `<title>${escapeHtml(p.label)}: ${clock(p.startMs)}–${clock(p.endMs)} UTC</title></rect>` +
        `<text class="band-label" x="${num(bx + bw / 2)}" y="${i % 2 === 0 ? 12 : 26}" text-anchor="middle">${escapeHtml(p.label)}</text></g>`,
    );
  });

  // Rows: label, then one cell per sample, centred on its timestamp; width = the gap to the next sample.
  for (const { series: s, y } of rows) {
    out.push(`<g class="row" data-target="${escapeHtml(s.target)}" data-path="${escapeHtml(s.path)}">`);
    out.push(`<text class="row-label" x="${LABEL_W}" y="${y + ROW_H - 3}" text-anchor="end">${escapeHtml(s.target)} <tspan class="path">${escapeHtml(s.path)}</tspan></text>`);
    const gaps = s.samples.slice(1).map((smp, i) => smp[0] - (s.samples[i]?.[0] ?? smp[0]));
    const typical = median(gaps) ?? t.intervalSeconds * 1000;
    s.samples.forEach(([ms, up], i) => {
      const gap = Math.min(gaps[i] ?? typical, gaps[i - 1] ?? typical, typical * 1.5);
      const w = Math.max(1, gap * pxPerMs - 0.8);
      const cls = up === 1 ? 'up' : 'down';
      out.push(
        `<rect class="cell ${cls}" x="${num(x(ms) - w / 2)}" y="${y}" width="${num(w)}" height="${ROW_H}" fill="${CELL_COLOURS[cls]}" data-t="${ms}"><title>${escapeHtml(jobKey(s))} ${clock(ms)} up=${up}</title></rect>`,
      );
    });
    out.push('</g>');
  }

  // Markers: a dashed line at the moment and a number (pushed right of its neighbour when moments
  // are close); the list under the picture says what each is.
  let lastBadge = -Infinity;
  t.markers.forEach((m, i) => {
    const mx = x(m.atMs);
    const bx = Math.max(mx, lastBadge + 16);
    lastBadge = bx;
    const y0 = BAND_LABEL_H - 4;
    out.push(
      `<g class="marker"><line x1="${num(mx)}" y1="${y0}" x2="${num(mx)}" y2="${rowsBottom}" /><line class="leader" x1="${num(mx)}" y1="${y0}" x2="${num(bx)}" y2="${y0}" />` +
        `<circle cx="${num(bx)}" cy="${y0}" r="7" /><text x="${num(bx)}" y="${y0 + 3.5}" text-anchor="middle">${i + 1}</text><title>${escapeHtml(m.label)} (${clock(m.atMs)} UTC)</title></g>`,
    );
  });

  // Time axis: seconds since the start of the drawn span.
  const step = tickStep(span / 1000);
  out.push(`<g class="axis"><line x1="${PLOT_X}" y1="${rowsBottom}" x2="${PLOT_X + PLOT_W}" y2="${rowsBottom}" />`);
  for (let s = 0; s * 1000 <= span; s += step) {
    const tx = num(x(t.startMs + s * 1000));
    out.push(`<line x1="${tx}" y1="${rowsBottom}" x2="${tx}" y2="${rowsBottom + 5}" /><text x="${tx}" y="${rowsBottom + 17}" text-anchor="middle">${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}</text>`);
  }
  out.push(`<text x="${LABEL_W}" y="${rowsBottom + 17}" text-anchor="end">${clock(t.startMs)} UTC +</text></g>`);
  out.push('</svg>');
  return out.join('\n');
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function renderMarkerList(t: UpTimeline): string {
  if (t.markers.length === 0) return '';
  const items = t.markers.map((m) => `<li><time>${clock(m.atMs)}</time> ${escapeHtml(m.label)}</li>`);
  return `<ol class="markers">\n${items.join('\n')}\n</ol>`;
}

function renderVerdictTable(verdicts: readonly Verdict[]): string {
  const rows = verdicts.map(
    (v) => `<tr class="${v.holds ? 'holds' : 'fails'}"><td>${escapeHtml(v.claim)}</td><td>${escapeHtml(v.evidence)}</td><td>${v.holds ? 'OK' : 'FAIL'}</td></tr>`,
  );
  return `<h2>Summary</h2>\n<table class="verdicts"><thead><tr><th>claim</th><th>evidence</th><th></th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

const countClass = (c: ScrapeCount): string => (c.total === 0 ? 'none' : c.ok === c.total ? 'all-up' : c.ok === 0 ? 'all-down' : 'some-down');

function renderJobTable(t: UpTimeline): string {
  const head = t.phases.map((p) => `<th>${escapeHtml(p.label)}</th>`).join('');
  const rows = t.series.map((s) => {
    const cells = t.phases.map((p) => {
      const c = countSeries(s, p);
      return `<td class="${countClass(c)}">${c.total === 0 ? '–' : `${c.ok}/${c.total}`}</td>`;
    });
    return `<tr><th>${escapeHtml(s.target)}</th><td>${escapeHtml(s.path)}</td>${cells.join('')}</tr>`;
  });
  return `<h2>Scrapes that succeeded, per job and phase</h2>\n<table class="jobs"><thead><tr><th>target</th><th>path</th>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

const CSS = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:16px 20px;color:#212529;background:#fff}
h1{font-size:20px;margin:0 0 6px}h1 small{font-weight:normal;color:#868e96;font-size:14px}
h2{font-size:16px;margin:18px 0 6px}
p.lead{font-size:13px;max-width:1200px;margin:0 0 6px}
p.verdict{font-weight:bold;font-size:14px;margin:0 0 8px}p.verdict.holds{color:${CELL_COLOURS.up}}p.verdict.fails{color:${CELL_COLOURS.down}}
.key{display:inline-block;width:10px;height:10px;vertical-align:middle}.key.up{background:${CELL_COLOURS.up}}.key.down{background:${CELL_COLOURS.down}}
svg.timeline{display:block;font-size:11px}
.band-label{font-weight:bold;fill:#343a40}
.row-label{fill:#212529}.row-label .path{fill:#495057;font-weight:bold}
.marker line{stroke:#1c7ed6;stroke-width:1.5;stroke-dasharray:4 3}.marker line.leader{stroke-dasharray:none}.marker circle{fill:#1c7ed6}.marker text{fill:#fff;font-size:10px;font-weight:bold}
.axis line{stroke:#868e96}.axis text{fill:#495057;font-size:10px}
ul.notes{font-size:12px;color:#495057;margin:4px 0 0;padding-left:${PLOT_X}px}
ol.markers{font-size:12px;margin:4px 0 0;padding-left:${PLOT_X}px}ol.markers time{color:#495057;font-family:"DejaVu Sans Mono",monospace}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #dee2e6;padding:3px 8px;text-align:left}
thead th{background:#f1f3f5}
tr.holds td:last-child{color:${CELL_COLOURS.up};font-weight:bold}tr.fails td:last-child{color:${CELL_COLOURS.down};font-weight:bold}
td.all-up{background:#d3f9d8}td.all-down{background:#ffe3e3}td.some-down{background:#fff3bf}td.none{color:#adb5bd}
`.trim();
