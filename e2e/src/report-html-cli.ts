// `node e2e/dist/report-html-cli.js [--report PATH] [--screenshot PNG] [--width PX]`: re-renders
// latest.html from latest.json and latest.timeline.json (after a renderer change, say), and with
// --screenshot takes a PNG of it in headless chromium — how docs/e2e-run.png is made from a run.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readE2eEnvironment } from './config.js';
import { PNG } from 'pngjs';
import { screenshot } from './support/headless-chromium.js';
import { readReportPicture, writeReportPicture } from './support/report-html-file.js';

const { values } = parseArgs({
  options: { report: { type: 'string' }, screenshot: { type: 'string' }, width: { type: 'string', default: '1280' }, help: { type: 'boolean', default: false } },
});
if (values.help) {
  console.log('usage: node e2e/dist/report-html-cli.js [--report e2e/results/latest.json] [--screenshot out.png] [--width 1280]');
  process.exit(0);
}

const reportPath = resolve(values.report ?? readE2eEnvironment().reportPath);
const { report, timeline } = await readReportPicture(reportPath);
const { htmlPath } = await writeReportPicture(reportPath, report, timeline);
console.log(htmlPath);
if (values.screenshot) {
  const out = resolve(values.screenshot);
  await screenshot(htmlPath, out, { width: Number(values.width), height: 4000 });
  // Crop the tall viewport to the page: down to the last non-white row, plus a margin.
  const png = PNG.sync.read(await readFile(out));
  let last = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i] !== 255 || png.data[i + 1] !== 255 || png.data[i + 2] !== 255) {
        last = y;
        break;
      }
    }
  }
  const height = Math.min(png.height, last + 16);
  const cropped = new PNG({ width: png.width, height });
  png.data.copy(cropped.data, 0, 0, png.width * height * 4);
  await writeFile(out, PNG.sync.write(cropped));
  console.log(`${out} (${png.width}x${height})`);
}
