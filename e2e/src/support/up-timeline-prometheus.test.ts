// Differential: the timeline's own counting against Debian's real Prometheus evaluating
// count_over_time / sum_over_time over the same windows — including windows whose edges fall
// exactly on a sample, where "both ends count" must mean what Prometheus means by it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';
import { PrometheusServer } from './prometheus-server.js';
import { countDisagreements, readUpTimeline } from './up-timeline-query.js';
import { countScrapesIn, type TimelinePhase, type UpTimeline } from './up-timeline.js';
import { waitFor } from './wait-for.js';
import type { ScrapePath, TargetName } from './scrape-matrix.js';

let dir: string;
let prometheus: PrometheusServer;
let timeline: UpTimeline;
const startMs = Date.now();

describe('the run read from a real Prometheus', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certscrape-up-timeline-'));
    const port = await freePort();
    const closed = await freePort(); // nothing listens here: every scrape of it fails
    const job = (name: string, address: string, target: string, path: string): Record<string, unknown> => ({
      job_name: name,
      scrape_interval: '1s',
      scrape_timeout: '1s',
      static_configs: [{ targets: [address], labels: { target, path } }],
    });
    prometheus = await PrometheusServer.start({
      dir,
      port,
      configYaml: stringify({ global: { scrape_interval: '1s' }, scrape_configs: [job('self/cert', `127.0.0.1:${port}`, 'self', 'cert'), job('dead/token', `127.0.0.1:${closed}`, 'dead', 'token')] }),
    });
    // Enough scrapes of both jobs; the time this takes does not matter.
    await waitFor(async () => ((await prometheus.query('min(count_over_time(up[10m]))'))[0]?.value ?? 0) >= 8 && (await prometheus.query('up')).length === 2 ? true : undefined, {
      what: '8 scrapes of both jobs',
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    const endMs = Date.now();
    const first = await readUpTimeline(prometheus, { window: { startMs, endMs }, intervalSeconds: 1, phases: [] });
    // Phases whose edges are exact sample timestamps of `self/cert`, and one between samples.
    const t = first.series.find((s) => s.target === 'self')?.samples.map(([ms]) => ms) ?? [];
    const at = (i: number): number => t[i] ?? startMs;
    const phases: TimelinePhase[] = [
      { key: 'edges', label: 'edges', startMs: at(1), endMs: at(4) },
      { key: 'between', label: 'between', startMs: at(5) + 1, endMs: at(6) - 1 },
      { key: 'one', label: 'one', startMs: at(6), endMs: at(6) },
    ];
    timeline = await readUpTimeline(prometheus, { window: { startMs, endMs }, intervalSeconds: 1, phases, order: ['self/cert', 'dead/token'] });
  }, 180_000);

  afterAll(async () => {
    await prometheus?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds one series per job, in the order asked, each sample one scrape (up 1 for the live target, 0 for the closed port)', () => {
    expect(timeline.series.map((s) => `${s.target}/${s.path}`)).toEqual(['self/cert', 'dead/token']);
    expect(new Set(timeline.series[0]?.samples.map(([, up]) => up))).toEqual(new Set([1]));
    expect(new Set(timeline.series[1]?.samples.map(([, up]) => up))).toEqual(new Set([0]));
    for (const s of timeline.series) {
      const ts = s.samples.map(([ms]) => ms);
      expect(ts).toEqual([...new Set(ts)].sort((a, b) => a - b));
      expect(ts.every((ms) => ms >= timeline.startMs && ms <= timeline.endMs)).toBe(true);
    }
  });

  it('counts exactly what Prometheus counts over every window, edges on a sample included', async () => {
    const checks = timeline.phases.flatMap((p) => [
      { phase: p.key, paths: ['cert'] as ScrapePath[], targets: ['self'] as unknown as TargetName[] },
      { phase: p.key, paths: ['token'] as ScrapePath[], targets: ['dead'] as unknown as TargetName[] },
    ]);
    expect(await countDisagreements(prometheus, timeline, checks)).toEqual([]);
    const p = (key: string): TimelinePhase => timeline.phases.find((x) => x.key === key) as TimelinePhase;
    expect(countScrapesIn(timeline, p('edges'), { paths: ['cert'] })).toEqual({ ok: 4, total: 4 });
    expect(countScrapesIn(timeline, p('between'), { paths: ['cert'] })).toEqual({ ok: 0, total: 0 });
    expect(countScrapesIn(timeline, p('one'), { paths: ['cert'] })).toEqual({ ok: 1, total: 1 });
  });
});
