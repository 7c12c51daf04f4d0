import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verdicts } from './report.js';
import { CELL_COLOURS, renderReportHtml } from './report-html.js';
import { countDrawnCells, parseDrawnPicture, reportedCounts, unescapeHtml } from './report-html-reading.js';
import { arbitraryUpTimeline, reportFor } from './testing/up-timeline-arbitrary.js';
import type { UpTimeline } from './up-timeline.js';

const render = (t: UpTimeline): string => renderReportHtml({ report: reportFor(t), timeline: t });
const count = (html: string, re: RegExp): number => [...html.matchAll(re)].length;

describe('the report picture (latest.html)', () => {
  it('draws one band per phase and one row per job, in the timeline order', () => {
    fc.assert(
      fc.property(arbitraryUpTimeline, (t) => {
        const drawn = parseDrawnPicture(render(t));
        expect(drawn.bands.map((b) => b.key)).toEqual(t.phases.map((p) => p.key));
        expect(drawn.rows.map((r) => `${r.target}/${r.path}`)).toEqual(t.series.map((s) => `${s.target}/${s.path}`));
      }),
    );
  });

  it('draws one cell per scrape, coloured by up, and inside each band exactly the scrapes latest.json counts for that phase', () => {
    fc.assert(
      fc.property(arbitraryUpTimeline, (t) => {
        const html = render(t);
        const drawn = parseDrawnPicture(html);
        drawn.rows.forEach((row, i) => {
          const samples = t.series[i]?.samples ?? [];
          expect(row.cells.map((c) => (c.up ? 1 : 0))).toEqual(samples.map(([, up]) => up));
        });
        expect(countDrawnCells(drawn)).toEqual(reportedCounts(reportFor(t), drawn));
        expect(count(html, new RegExp(`class="cell up"[^>]*fill="${CELL_COLOURS.up}"`, 'g'))).toBe(t.series.flatMap((s) => s.samples).filter(([, up]) => up === 1).length);
      }),
    );
  });

  it('marks every marker with a numbered line and lists it, and the notes, under the picture', () => {
    fc.assert(
      fc.property(arbitraryUpTimeline, (t) => {
        const html = render(t);
        expect(count(html, /<g class="marker">/g)).toBe(t.markers.length);
        expect(count(html, /<ol class="markers">[\s\S]*?<\/ol>/g)).toBe(t.markers.length ? 1 : 0);
        expect(count(/<ul class="notes">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '', /<li>/g)).toBe(t.notes?.length ?? 0);
      }),
    );
  });

  it('is self-contained: no script, no stylesheet or image link, no URL to fetch, and labels are escaped', () => {
    fc.assert(
      fc.property(arbitraryUpTimeline, (t) => {
        const html = render(t);
        expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import|https?:/i);
        expect(html).not.toMatch(/<(identity|target)>/);
        // Outside tags, no raw markup characters survive from a label.
        expect(html.replace(/<[^>]*>/g, '')).not.toMatch(/[<>]/);
      }),
    );
  });

  it('puts the summary under the picture: every verdict of latest.json and one line per job with its counts per phase', () => {
    fc.assert(
      fc.property(arbitraryUpTimeline, (t) => {
        const html = render(t);
        const report = reportFor(t);
        expect(html.indexOf('<h2>Summary</h2>')).toBeGreaterThan(html.indexOf('</svg>'));
        const vt = unescapeHtml(/<table class="verdicts">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '');
        expect(count(vt, /<tr class="(holds|fails)">/g)).toBe(verdicts(report).length);
        for (const v of verdicts(report)) expect(vt).toContain(`<tr class="${v.holds ? 'holds' : 'fails'}"><td>${v.claim}</td>`);
        const jt = /<table class="jobs">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
        expect(count(jt, /<tbody>[\s\S]*?<\/tbody>/g)).toBe(1);
        expect(count(jt.split('<tbody>')[1] ?? '', /<tr>/g)).toBe(t.series.length);
      }),
    );
  });

  it('says plainly whether every claim holds', () => {
    const t: UpTimeline = {
      intervalSeconds: 2,
      startMs: 0,
      endMs: 10_000,
      phases: [{ key: 'cut', label: 'cut', startMs: 1000, endMs: 9000 }],
      markers: [],
      series: [{ target: 'etcd', path: 'cert', samples: [[2000, 1]] }],
    };
    const failing = render(t);
    expect(failing).toContain('<p class="verdict fails">Some claims do NOT hold.</p>');
    const good = renderReportHtml({
      report: { cut: { cert: { ok: 10, total: 10 }, token: { ok: 0, total: 5 } }, apiserverDown: { cert: { ok: 10, total: 10 } }, rotation: { rotations: 1, failedScrapes: 0 }, apiserverRequestsPerScrape: { cert: 0, token: 1 } },
      timeline: t,
    });
    expect(good).toContain('<p class="verdict holds">Every claim holds.</p>');
  });

  it('is a function of its input alone (same data, same bytes)', () => {
    fc.assert(
      fc.property(arbitraryUpTimeline, (t) => {
        expect(render(t)).toBe(render(structuredClone(t)));
      }),
      { numRuns: 20 },
    );
  });
});
