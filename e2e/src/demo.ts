// `npm run demo`: the e2e scenario narrated for a person. Each step prints when it started and
// what it proves; during the outage phases Prometheus's `up` per job is printed as it changes;
// a final table gives the verdicts. `--keep` leaves everything running (Prometheus UI address
// printed) until Ctrl-C, which cleans up.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readE2eEnvironment } from './config.js';
import { runScenario, type ScenarioOutcome, type UpSnapshot } from './scenario.js';
import { CleanupStack } from './support/cleanup-stack.js';
import { CONTROLLER_MANAGER_TARGETS, controllerManagerVerdicts, targetCount } from './support/controller-manager-verdicts.js';
import { scratchDir } from './support/scratch-dir.js';

const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
if (values.help) {
  console.log('usage: npm run demo [-- --keep]\n  --keep  leave the control plane, targets and Prometheus running until Ctrl-C');
  process.exit(0);
}

const env = readE2eEnvironment();
const t0 = Date.now();
const stamp = (): string => {
  const s = Math.floor((Date.now() - t0) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const tty = process.stdout.isTTY === true;
let progressOpen = false;
const out = (line: string): void => {
  if (progressOpen) process.stdout.write('\n');
  progressOpen = false;
  console.log(line);
};

// `up` lines: one when the picture changes, at most a few per phase, so the story fits a screen.
const TARGET_ORDER = ['node-app', 'node-exporter', 'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-controller-manager-stock', 'shared-exporter'];
let lastUp = '';
let upLines = 0;
let upPhase = '';
function formatUp(snapshot: UpSnapshot): string {
  // A target shows only the paths it is scraped by (kube-controller-manager: c; its stock control: t; shared-exporter: c, u = the user-workload identity).
  const paths = (t: string): string[] => {
    const scraped = ['cert', 'proxy', 'token', 'user-workload'].filter((p) => snapshot[`${t}/${p}`] !== undefined);
    return scraped.length > 0 ? scraped : ['cert', 'proxy', 'token'];
  };
  return TARGET_ORDER.map((t) => `${t.replace('kube-controller-manager', 'kcm')} ${paths(t).map((p) => `${p[0]}${snapshot[`${t}/${p}`] ?? '?'}`).join(' ')}`).join(' | ');
}

let failed = false;
const cleanup = new CleanupStack();
let keepWaiting = false;
process.on('SIGINT', () => {
  if (keepWaiting) return; // handled below
  out(`\n[${stamp()}] interrupted: cleaning up`);
  void cleanup.run().finally(() => process.exit(130));
});
process.on('exit', () => cleanup.runEmergency());

async function main(): Promise<number> {
  out('certscrape demo: a scraper with a client certificate keeps scraping while kube-apiserver is cut off or down;');
  out('the control group (a service-account token) cannot. Every part below is real; `up` 1 = scrape succeeded.\n');
  const workDir = await scratchDir(cleanup, { keep: env.keepWorkDir, failureLogsDir: join(import.meta.dirname, '..', 'results', 'failure-logs'), failed: () => failed });
  let outcome: ScenarioOutcome;
  try {
    outcome = await runScenario(
      {
        workDir,
        reportPath: env.reportPath,
        intervalSeconds: env.intervalSeconds,
        signingDurationSeconds: env.signingDurationSeconds,
        ...(env.binDir ? { binDir: env.binDir } : {}),
        events: {
          step: (s) => {
            out(`[${stamp()}] ${s.n}/9 ${s.title}\n        proves: ${s.proves}`);
          },
          detail: (l) => out(`        - ${l}`),
          progress: (l) => {
            // The first run builds kube binaries for minutes: show it; later runs start in seconds.
            if (tty) {
              process.stdout.write(`\r\x1b[K        ${l.slice(0, 100)}`);
              progressOpen = true;
            }
            else if (/provision|build|apt|install|download/i.test(l)) out(`        ${l}`);
          },
          up: (phase, snapshot) => {
            if (phase !== upPhase) {
              upPhase = phase;
              upLines = 0;
              lastUp = '';
            }
            const line = formatUp(snapshot);
            if (line === lastUp || upLines >= 3) return;
            lastUp = line;
            upLines += 1;
            out(`        up @${stamp()}  ${line}`);
          },
        },
      },
      cleanup,
    );
  } catch (e) {
    failed = true;
    out(`\n[${stamp()}] FAILED: ${(e as Error).message}`);
    out('        logs copied to e2e/results/failure-logs/');
    await cleanup.run();
    return 1;
  }

  const r = outcome.report;
  out('');
  out('  phase           what                                         result');
  const row = (phase: string, what: string, result: string, ok: boolean): void => out(`  ${phase.padEnd(15)} ${what.padEnd(44)} ${result.padEnd(22)} ${ok ? 'OK' : 'FAIL'}`);
  const [cut, cutToken, down, rotation, load] = outcome.verdicts;
  row('cut', 'certificate scrapes that succeeded', `${r.cut.cert.ok}/${r.cut.cert.total}`, cut?.holds ?? false);
  row('cut', 'token scrapes that succeeded (control)', `${r.cut.token.ok}/${r.cut.token.total}`, cutToken?.holds ?? false);
  row('apiserver down', 'certificate scrapes that succeeded', `${r.apiserverDown.cert.ok}/${r.apiserverDown.cert.total}`, down?.holds ?? false);
  row('rotation', 'rotations / failed certificate scrapes', `${r.rotation.rotations} / ${r.rotation.failedScrapes}`, rotation?.holds ?? false);
  row('load', 'apiserver requests per scrape: cert / token', `${r.apiserverRequestsPerScrape.cert} / ${r.apiserverRequestsPerScrape.token}`, load?.holds ?? false);
  const [kcmCut, kcmDown, kcmStock] = controllerManagerVerdicts(r);
  const kcm = (target: string, phase: string, path: string): string => {
    const c = targetCount(r, target, phase, path);
    return `${c.ok}/${c.total}`;
  };
  const { fronted, stock } = CONTROLLER_MANAGER_TARGETS;
  row('cut', 'kube-controller-manager via sidecar, cert', kcm(fronted, 'cut', 'cert'), kcmCut?.holds ?? false);
  row('apiserver down', 'kube-controller-manager via sidecar, cert', kcm(fronted, 'apiserverDown', 'cert'), kcmDown?.holds ?? false);
  row('cut', 'kube-controller-manager stock, token', `${kcm(stock, 'cut', 'token')} (before ${kcm(stock, 'baseline', 'token')})`, kcmStock?.holds ?? false);
  for (const [username, id] of Object.entries(r.identities ?? {})) {
    const holds = outcome.verdicts.find((v) => v.claim.startsWith(`identity ${username}:`))?.holds ?? false;
    row('cut / down', `${username.split(':').pop()} (own Secret): scrapes, rotations`, `${id.cut.ok}/${id.cut.total}, ${id.apiserverDown.ok}/${id.apiserverDown.total}, ${id.rotations}`, holds);
  }
  out(`  token control = node-app, node-exporter, etcd, all reviewing every token (sidecars: --delegated-cache-ttl=0);`);
  out(`  per-target detail in ${outcome.reportPath}`);
  const allHold = outcome.verdicts.every((v) => v.holds);

  if (values.keep) {
    out(`\n  Everything is still running. Prometheus UI: ${outcome.prometheusUrl}`);
    out(`  the same \`up\` per job as the picture, over the run: ${outcome.prometheusGraphUrl}`);
    out(`  kube-apiserver ${outcome.apiserver}; targets in network namespace ${outcome.namespace}. Ctrl-C cleans up.`);
    keepWaiting = true;
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    out(`\n[${stamp()}] cleaning up`);
  }
  const failures = await cleanup.run();
  for (const f of failures) out(`  cleanup: ${f}`);
  out(`[${stamp()}] ${allHold ? 'done: every claim holds' : 'done: some claims do NOT hold (see table)'}; everything started was stopped and removed.`);
  out(`  the run as a picture (every scrape per target and path, through every phase): ${outcome.htmlPath}`);
  return allHold ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    void cleanup.run().finally(() => process.exit(1));
  },
);
