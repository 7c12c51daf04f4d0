// `npm run soak` flags and environment. Pure.
import { parseArgs } from 'node:util';
import { parseDurationSeconds } from '@certscrape/local-cluster';

/** A command line `npm run soak` cannot run (exit status 2). */
export class SoakUsageError extends Error {
  readonly code = 'SOAK_ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'SoakUsageError';
  }
}

/** What the command line asks for; undefined fields take runSoak's defaults. */
export interface SoakFlags {
  readonly help: boolean;
  readonly keepWorkDir: boolean;
  readonly reportPath: string | undefined;
  readonly durationS: number;
  readonly warmupS: number | undefined;
  readonly intervalSeconds: number | undefined;
  readonly signingDurationSeconds: number | undefined;
  readonly faultEveryS: number | undefined;
  readonly faultS: number | undefined;
  readonly loadPeriodMs: number | undefined;
}

/** The default measured duration: the issue asks for at least 30 minutes. */
export const DEFAULT_SOAK_DURATION_S = 1800;

export const SOAK_HELP = `usage: npm run soak [-- flags]

Runs the real control plane, csr-approver, monitoring-operator, the targets in a network
namespace (in-process target-auth, the target-auth sidecar before node-exporter and etcd),
the scraper-proxy and Prometheus scraping every target by client certificate, directly and
through the proxy; certificates rotate every few minutes, a client loop adds load on the
in-process target and a sidecar, faults come on a schedule (kube-apiserver stopped,
kube-controller-manager restarted, the namespace's route to kube-apiserver cut). Writes
e2e/results/soak.json. Needs root (network namespaces, iptables).

flags (durations: Go syntax such as 30m, 90s, 1h, or bare seconds):
  --duration D           measured time after warm-up (default 30m; env CERTSCRAPE_SOAK_DURATION)
  --warmup D             run this long before the start figures are taken (default 2m)
  --interval D           Prometheus scrape interval = timeout (default 1s)
  --signing-duration D   kube-controller-manager --cluster-signing-duration (default 10m: the
                         signer backdates 5 min, so certificates rotate every 3.5-4.5 min)
  --fault-every D        one fault every D, cycling through the three (default 150s)
  --fault-duration D     how long kube-apiserver stays stopped / the route stays cut (default 10s)
  --load-period-ms N     pause between two client-loop requests per target (default 200)
  --report PATH          where the report goes (default e2e/results/soak.json)
  --keep                 keep the scratch directory (logs) after the run
  --help                 this text`;

/** Parses `argv` (after the script name) and `env`; bad values fail with SoakUsageError. */
export function parseSoakFlags(argv: readonly string[], env: NodeJS.ProcessEnv = {}): SoakFlags {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        help: { type: 'boolean' },
        keep: { type: 'boolean' },
        report: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        interval: { type: 'string' },
        'signing-duration': { type: 'string' },
        'fault-every': { type: 'string' },
        'fault-duration': { type: 'string' },
        'load-period-ms': { type: 'string' },
      },
    }).values;
  } catch (e) {
    throw new SoakUsageError(`${(e as Error).message}\n\n${SOAK_HELP}`);
  }
  const seconds = (flag: string, text: string | boolean | undefined): number | undefined => {
    if (typeof text !== 'string') return undefined;
    try {
      return parseDurationSeconds(text);
    } catch {
      throw new SoakUsageError(`--${flag}: not a duration: ${JSON.stringify(text)}`);
    }
  };
  const loadPeriod = values['load-period-ms'];
  const loadPeriodMs = typeof loadPeriod === 'string' ? Number(loadPeriod) : undefined;
  if (loadPeriodMs !== undefined && !(Number.isInteger(loadPeriodMs) && loadPeriodMs >= 0)) throw new SoakUsageError(`--load-period-ms: not a whole number of milliseconds: ${JSON.stringify(loadPeriod)}`);
  return {
    help: values.help === true,
    keepWorkDir: values.keep === true,
    reportPath: typeof values.report === 'string' ? values.report : undefined,
    durationS: seconds('duration', values.duration) ?? seconds('duration', env.CERTSCRAPE_SOAK_DURATION?.trim() || undefined) ?? DEFAULT_SOAK_DURATION_S,
    warmupS: seconds('warmup', values.warmup),
    intervalSeconds: seconds('interval', values.interval),
    signingDurationSeconds: seconds('signing-duration', values['signing-duration']),
    faultEveryS: seconds('fault-every', values['fault-every']),
    faultS: seconds('fault-duration', values['fault-duration']),
    loadPeriodMs,
  };
}
