import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { runMain } from '@certscrape/process-kit';
import type { Logger, MainIo, ParseOutcome } from '@certscrape/process-kit';
import { describeApiError } from './api-errors.js';
import type { ControllerRuntimeConfig } from './controller-flags.js';
import { KubeRuntimeError } from './errors.js';
import { createEventRecorder } from './event-recorder.js';
import type { EventRecorder } from './event-recorder.js';
import { startHealthServer } from './health-server.js';
import type { HealthCheck, HealthServerOptions } from './health-server.js';
import { createInformer } from './informer.js';
import type { CreateInformerOptions, Informer } from './informer.js';
import { loadKubeConfig } from './kube-config.js';
import { LeaderElector, kubernetesLeaseLock } from './leader-election.js';

/** A controller's parsed command line: the shared runtime part plus the app's own config. */
export interface ControllerConfig<C> {
  readonly runtime: ControllerRuntimeConfig;
  readonly app: C;
}

/** What `setup` gets: everything up to (not including) leadership. */
export interface ControllerContext<C> {
  readonly config: C;
  readonly runtime: ControllerRuntimeConfig;
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  /** Core/v1 Events, reported as this component and replica. */
  readonly events: EventRecorder;
  /**
   * Creates an informer that runCont. starts after setup (on every replica, so a standby has warm
   * caches), stops on shutdown, and counts towards readiness (`/readyz` check `informers`).
   */
  informer<T extends KubernetesObject>(options: CreateInformerOptions<T>): Informer<T>;
  /** Aborts on shutdown. */
  readonly signal: AbortSignal;
}

/** What `setup` returns. */
export interface ControllerSetup {
  /** Served on /metrics. */
  readonly registry: Registry;
  /**
   * Runs the reconcilers while this replica leads (always, with `--leader-elect=false`); `signal`
   * aborts when leadership ends or on shutdown. Informer caches are synced before it is called.
   */
  lead(signal: AbortSignal): Promise<void>;
  /** Extra readiness checks on top of `informers`. */
  readonly readyChecks?: Readonly<Record<string, HealthCheck>>;
  /** Set while this replica leads (e.g. a leader gauge). */
  onLeading?(leading: boolean): void;
  /** Fields for the `started` log line. */
  readonly describe?: Record<string, unknown>;
}

/** A controller, as runController runs it. */
export interface ControllerProgram<C> {
  /** Bin name (`certscrape-csr-approver`): log `name`, startup-error prefix, Event source component. */
  readonly name: string;
  readonly version: string;
  /** Code for start failures without their own. */
  readonly startErrorCode: string;
  /** Command line → config (use addControllerFlags / controllerRuntimeConfigOf). Throw = exit 2. */
  parse(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ParseOutcome<ControllerConfig<C>>;
  /**
   * The fail-fast probe: one cheap call that proves the apiserver answers and we may read what we
   * reconcile (e.g. `list ...?limit=1`). Rejecting exits 1 before anything else starts. Bounded
   * by `probeTimeoutMs` (default 15 s).
   */
  probe(kubeConfig: KubeConfig): Promise<unknown>;
  readonly probeTimeoutMs?: number;
  /** Builds informers, metrics and reconcilers; runs on every replica. */
  setup(context: ControllerContext<C>): ControllerSetup | Promise<ControllerSetup>;
  /** The message of the one log line that says the controller runs (tests wait for it). Default `started`. */
  readonly startedMessage?: string;
  /** TLS for /metrics (the DEPLOY helper's health server). Default: none. */
  metricsTls?(config: C): HealthServerOptions['metricsTls'];
}

/**
 * The one controller runtime (both controllers use it), in controller-runtime's order:
 * flags → config → logger (runMain) → kubeconfig (controller-runtime precedence) → fail-fast probe
 * → setup (informers, reconcilers) → health/metrics server → informers → leader election (Lease,
 * component-base flags, identity `$POD_NAME_<uuid>`) → `lead` → shutdown in reverse order.
 * Readiness is the same for every controller: all informers synced and healthy (a healthy
 * standby is ready), plus the app's own checks.
 */
export function runController<C>(program: ControllerProgram<C>, io?: MainIo): Promise<void> {
  return runMain<ControllerConfig<C>>(
    {
      name: program.name,
      version: program.version,
      startErrorCode: program.startErrorCode,
      parse: (args, env) => program.parse(args, env),
      start: async ({ runtime, app }, ctx) => {
        const { log } = ctx;
        const { kubeConfig, source, path, paths } = loadKubeConfig({ kubeconfig: runtime.kubeconfig, env: runtime.env });
        const server = kubeConfig.getCurrentCluster()?.server;
        try {
          await withTimeout(program.probe(kubeConfig), program.probeTimeoutMs ?? 15_000);
        } catch (err) {
          throw new KubeRuntimeError('KUBE_RUNTIME_ERR_UNREACHABLE', `cannot reach kube-apiserver at ${server}: ${describeApiError(err)}`, { cause: err });
        }
        const informers: Informer<KubernetesObject>[] = [];
        const events = createEventRecorder(kubeConfig, { component: program.name, instance: runtime.identity, log });
        const setup = await program.setup({
          config: app,
          runtime,
          kubeConfig,
          log,
          events,
          signal: ctx.signal,
          informer: <T extends KubernetesObject>(options: CreateInformerOptions<T>) => {
            const inf = createInformer<T>(kubeConfig, { log, ...options });
            informers.push(inf as unknown as Informer<KubernetesObject>);
            return inf;
          },
        });
        const health = await startHealthServer({
          healthBindAddress: runtime.healthProbeBindAddress,
          metricsBindAddress: runtime.metricsBindAddress,
          registry: setup.registry,
          healthChecks: { ping: () => true },
          readyChecks: { informers: () => informers.every((i) => i.isHealthy()), ...(setup.readyChecks ?? {}) },
          ...(program.metricsTls?.(app) ? { metricsTls: program.metricsTls(app) } : {}),
        });
        ctx.onShutdown('health-server', () => health.close());
        for (const inf of informers) inf.start();
        ctx.onShutdown('informers', () => Promise.all(informers.map((i) => i.stop())));

        const lead = async (signal: AbortSignal) => {
          setup.onLeading?.(true);
          try {
            await Promise.all(informers.map((i) => i.waitForSync(signal)));
            if (!signal.aborted) await setup.lead(signal);
          } finally {
            setup.onLeading?.(false);
          }
        };
        const le = runtime.leaderElection;
        log.info(
          {
            kubeconfigSource: source,
            kubeconfig: path,
            ...(paths.length > 1 ? { kubeconfigPaths: paths } : {}),
            server,
            leaderElect: le.leaderElect,
            lease: le.leaderElect ? `${le.resourceNamespace}/${le.resourceName}` : undefined,
            identity: runtime.identity,
            healthUrl: health.healthUrl,
            metricsUrl: health.metricsUrl,
            ...(setup.describe ?? {}),
          },
          program.startedMessage ?? 'started',
        );
        if (le.leaderElect) {
          const elector = new LeaderElector({
            lock: kubernetesLeaseLock(kubeConfig, { namespace: le.resourceNamespace, name: le.resourceName }),
            identity: runtime.identity,
            leaseDurationMs: le.leaseDurationMs,
            renewDeadlineMs: le.renewDeadlineMs,
            retryPeriodMs: le.retryPeriodMs,
            log,
            onStartedLeading: lead,
            onNewLeader: (holder) => log.info({ leader: holder }, 'observed leader'),
          });
          const election = elector.run(ctx.signal);
          ctx.onShutdown('leader-election', () => election);
        } else {
          const leading = lead(ctx.signal);
          ctx.onShutdown('reconcilers', () => leading);
        }
      },
    },
    io,
  );
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e)),
    );
  });
}
