// Writes the picture beside latest.json (the I/O shell around report-html.ts), and reads it back.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import type { E2eReport } from './report.js';
import { renderReportHtml, type ReportPicture } from './report-html.js';
import type { UpTimeline } from './up-timeline.js';

/** Where the picture and its data go, beside `reportPath` (…/latest.json -> latest.html, latest.timeline.json). Pure. */
export function pictureFiles(reportPath: string): { readonly htmlPath: string; readonly timelinePath: string } {
  const stem = basename(reportPath).replace(/\.json$/, '');
  const dir = dirname(reportPath);
  return { htmlPath: join(dir, `${stem}.html`), timelinePath: join(dir, `${stem}.timeline.json`) };
}

/**
 * Writes `latest.timeline.json` (every `up` sample, the phases, the markers: what the report was
 * counted from) and `latest.html` (the picture) beside `reportPath`, creating the directory.
 */
export async function writeReportPicture(reportPath: string, report: E2eReport, timeline: UpTimeline): Promise<{ htmlPath: string; timelinePath: string }> {
  const files = pictureFiles(reportPath);
  await mkdir(dirname(files.htmlPath), { recursive: true });
  // One series per line: the file stays diffable and small enough to commit as a fixture.
  const series = timeline.series.map((s) => `    ${JSON.stringify(s)}`).join(',\n');
  const { series: _series, ...rest } = timeline;
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, '');
  await writeFile(files.timelinePath, `${head},\n  "series": [\n${series}\n  ]\n}\n`);
  await writeFile(files.htmlPath, renderReportHtml({ report, timeline }));
  return files;
}

/** Reads latest.json and its timeline back (to re-render, or as a test fixture). */
export async function readReportPicture(reportPath: string): Promise<ReportPicture> {
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as E2eReport;
  const timeline = JSON.parse(await readFile(pictureFiles(reportPath).timelinePath, 'utf8')) as UpTimeline;
  return { report, timeline };
}
