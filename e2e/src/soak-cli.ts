// `npm run soak` (scripts/soak.sh): runs the soak of issue 18 and prints its goals.
import { resolve } from 'node:path';
import { readE2eEnvironment } from './config.js';
import { runSoak } from './soak.js';
import { CleanupStack } from './support/cleanup-stack.js';
import { scratchDir } from './support/scratch-dir.js';
import { parseSoakFlags, SOAK_HELP, SoakUsageError } from './support/soak-flags.js';
import { soakGoals } from './support/soak-report.js';

let flags: ReturnType<typeof parseSoakFlags>;
try {
  flags = parseSoakFlags(process.argv.slice(2), process.env);
} catch (e) {
  if (!(e instanceof SoakUsageError)) throw e;
  console.error(e.message);
  process.exit(2);
}
if (flags.help) {
  console.log(SOAK_HELP);
  process.exit(0);
}

const env = readE2eEnvironment();
const t0 = Date.now();
const log = (line: string): void => console.log(`[soak ${new Date().toISOString().slice(11, 19)} +${Math.round((Date.now() - t0) / 1000)}s] ${line}`);
const cleanup = new CleanupStack();
cleanup.installProcessHooks(log);
let failed = false;
const reportPath = flags.reportPath ? resolve(flags.reportPath) : resolve(import.meta.dirname, '..', 'results', 'soak.json');
try {
  const workDir = await scratchDir(cleanup, { keep: flags.keepWorkDir, failureLogsDir: resolve(import.meta.dirname, '..', 'results', 'failure-logs', 'soak'), failed: () => failed });
  log(`work dir ${workDir}; report ${reportPath}`);
  const report = await runSoak(
    {
      workDir,
      reportPath,
      durationS: flags.durationS,
      ...(flags.warmupS !== undefined ? { warmupS: flags.warmupS } : {}),
      ...(flags.intervalSeconds !== undefined ? { intervalSeconds: flags.intervalSeconds } : {}),
      ...(flags.signingDurationSeconds !== undefined ? { signingDurationSeconds: flags.signingDurationSeconds } : {}),
      ...(flags.faultEveryS !== undefined ? { faultEveryS: flags.faultEveryS } : {}),
      ...(flags.faultS !== undefined ? { faultS: flags.faultS } : {}),
      ...(flags.loadPeriodMs !== undefined ? { loadPeriodMs: flags.loadPeriodMs } : {}),
      ...(env.binDir ? { binDir: env.binDir } : {}),
      log,
    },
    cleanup,
  );
  const goals = soakGoals(report);
  for (const g of goals) log(`${g.holds ? 'MET    ' : 'NOT MET'} ${g.goal}: ${g.evidence}`);
  log(`apiserver requests by certscrape: ${report.apiserverRequestsPerHour}/h; report ${reportPath}`);
  failed = goals.some((g) => !g.holds);
} catch (e) {
  failed = true;
  log(`soak failed: ${(e as Error).stack ?? String(e)}`);
} finally {
  const failures = await cleanup.run((name) => log(`cleanup: ${name}`));
  for (const f of failures) log(`cleanup failed: ${f}`);
}
process.exit(failed ? 1 : 0);
