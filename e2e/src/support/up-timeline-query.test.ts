import { describe, expect, it } from 'vitest';
import { prometheusGraphUrl, serialChangeMarkers, toUpSeries, upSamplesQuery } from './up-timeline-query.js';
import type { UpTimeline } from './up-timeline.js';

describe('reading the run from Prometheus', () => {
  it('asks for the raw samples of the whole window in one range selector, evaluated at its end', () => {
    expect(upSamplesQuery({ startMs: 1000, endMs: 601_000 })).toBe('up[600000ms]');
    expect(upSamplesQuery({ startMs: 5, endMs: 5 })).toBe('up[1ms]');
  });

  it('orders series as asked, puts unknown jobs after them (sorted), drops samples outside the window and empty series', () => {
    const m = (target: string, path: string, samples: [number, number][]) => ({ metric: { job: `${target}/${path}`, target, path, instance: 'x' }, samples });
    const got = toUpSeries(
      [m('kube-controller-manager', 'cert', [[20, 1]]), m('etcd', 'token', [[30, 0], [10, 1]]), m('node-app', 'cert', [[15, 1], [99, 1]]), m('etcd', 'cert', [[5, 1]])],
      { startMs: 10, endMs: 30 },
      ['node-app/cert', 'etcd/token'],
    );
    expect(got.map((s) => `${s.target}/${s.path}`)).toEqual(['node-app/cert', 'etcd/token', 'kube-controller-manager/cert']);
    expect(got[1]?.samples).toEqual([[10, 1], [30, 0]]);
    expect(got[0]?.samples).toEqual([[15, 1]]);
  });

  it('marks when each later serial was first presented on each path, not the first one', () => {
    const info = (via: string, serial: string, first: number) => ({ metric: { via, serial, target: 'node-app' }, samples: [[first, 1], [first + 2000, 1]] as [number, number][] });
    const markers = serialChangeMarkers([info('cert', 'aaaaaaaaaa01', 100), info('proxy', 'aaaaaaaaaa01', 110), info('cert', 'bbbbbbbbbb02', 9000), info('proxy', 'bbbbbbbbbb02', 9400)], 'node-app');
    expect(markers).toEqual([
      { atMs: 9000, label: 'node-app cert: serial bbbbbbbb.. first presented' },
      { atMs: 9400, label: 'node-app proxy: serial bbbbbbbb.. first presented' },
    ]);
  });

  it('links the Prometheus graph page to `up` per path over exactly the run', () => {
    const t: UpTimeline = {
      intervalSeconds: 2,
      startMs: Date.UTC(2026, 11, 1, 21, 0, 10),
      endMs: Date.UTC(2026, 11, 1, 21, 7, 30),
      phases: [],
      markers: [],
      series: [{ target: 'etcd', path: 'cert', samples: [] }, { target: 'etcd', path: 'token', samples: [] }, { target: 'node-app', path: 'cert', samples: [] }],
    };
    const url = new URL(prometheusGraphUrl('http://127.0.0.1:9090/', t));
    expect(url.pathname).toBe('/graph');
    expect(url.searchParams.get('g0.expr')).toBe('up{path="cert"}');
    expect(url.searchParams.get('g1.expr')).toBe('up{path="token"}');
    expect(url.searchParams.get('g2.expr')).toBeNull();
    // The page takes minutes: the end rounds up to 21:08, and 8 minutes back from there covers 21:00:10.
    expect(url.searchParams.get('g1.end_input')).toBe('2026-12-01 21:08');
    expect(url.searchParams.get('g0.range_input')).toBe('8m');
    expect(url.searchParams.get('g0.tab')).toBe('0');
  });
});
