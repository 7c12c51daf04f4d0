// Test support: a deterministic, made-up timeline shaped like a scenario run (four targets x
// cert/proxy/token; baseline, cut, apiserver down, rotation, load). Synthetic: the real recorded
// run lives in src/fixtures/e2e-run/.
import { phaseKey, type TimelinePhase, type UpSample, type UpSeries, type UpTimeline } from '../up-timeline.js';

const T0 = Date.UTC(2026, 11, 1, 21, 0, 0);

/** A scenario-shaped timeline: token scrapes of the namespace targets fail in the cut and with the apiserver down. */
export function scenarioLikeTimeline(): UpTimeline {
  const s = (sec: number): number => T0 + sec * 1000;
  const phase = (label: string, from: number, to: number, key = phaseKey(label)): TimelinePhase => ({ key, label, startMs: s(from), endMs: s(to) });
  const phases = [phase('baseline', 3, 27), phase('cut', 30, 55), phase('apiserver down', 58, 83), phase('rotation', 95, 330), phase('load', 335, 370, 'loadStep')];
  const inside = (t: number, label: string): boolean => phases.some((p) => p.label === label && t >= p.startMs && t <= p.endMs);
  const series: UpSeries[] = [];
  for (const target of ['node-app', 'node-exporter', 'etcd', 'kube-apiserver']) {
    const every = target === 'kube-apiserver' ? 6 : 2;
    for (const path of ['cert', 'proxy', 'token']) {
      const samples: UpSample[] = [];
      for (let sec = 0.3 + ['cert', 'proxy', 'token'].indexOf(path) * 0.4; sec < 375; sec += every) {
        const t = Math.round(s(sec));
        if (path === 'token' && t >= s(333) && t <= s(372)) continue; // token jobs paused for the load step
        const down = target === 'kube-apiserver' ? t > s(56) && t < s(90) : path === 'token' && (inside(t, 'cut') || inside(t, 'apiserver down'));
        samples.push([t, down ? 0 : 1]);
      }
      series.push({ target, path, samples });
    }
  }
  return {
    intervalSeconds: 2,
    startMs: T0,
    endMs: s(375),
    phases,
    markers: [
      { atMs: s(250.4), label: 'Secret metrics-client-certs rotated: serial 1a2b3c4d.. -> 5e6f7a8b..' },
      { atMs: s(252.3), label: 'node-app cert: serial 5e6f7a8b.. first presented' },
      { atMs: s(253.1), label: 'node-app proxy: serial 5e6f7a8b.. first presented' },
    ],
    series,
    notes: ['kube-apiserver is not behind the cut, and cannot serve its own /metrics while it is stopped.', 'Token jobs are paused during the load step.'],
  };
}
