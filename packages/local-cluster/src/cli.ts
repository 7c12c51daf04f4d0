// The `certscrape-cluster` command: up | down | status | kubeconfig. JSON on stdout, progress and logs on stderr.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ProcessKitError, addStandardFlags, logLevelOf, packageVersion, parseCommandLine, runMain } from '@certscrape/process-kit';
import type { ParseOutcome } from '@certscrape/process-kit';
import { attachLocalCluster, clusterStatus, upLocalCluster } from './cluster.js';
import { readEnvironment } from './config.js';
import type { LocalClusterEnvironment } from './config.js';
import { parseDurationSeconds } from './duration.js';
import { progressReporter } from './progress.js';
import { parseServiceAccountRef, serviceAccountUsername } from './service-account.js';
import type { ProviderName } from './types.js';

/** One parsed invocation: the subcommand and its options. */
type Invocation =
  | { readonly command: 'up'; readonly o: { stateDir: string; signingDuration: number; bindAddress: string; provider: ProviderName; kindName?: string; kindImage?: string } }
  | { readonly command: 'down' | 'status'; readonly o: { stateDir: string } }
  | { readonly command: 'kubeconfig'; readonly o: { stateDir: string; serviceAccount: string; out: string; expiration: number }; readonly namespace: string; readonly name: string };

interface CliConfig {
  readonly invocation: Invocation;
  readonly env: LocalClusterEnvironment;
}

const duration = (v: string): number => {
  try {
    return parseDurationSeconds(v);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
};

/** The command line: subcommand actions only record what was asked; `start` does it. */
function parse(args: readonly string[], rawEnv: Readonly<Record<string, string | undefined>>): ParseOutcome<CliConfig> {
  const env = readEnvironment(rawEnv as NodeJS.ProcessEnv);
  const stateDirOption = (): Option => {
    const o = new Option('--state-dir <dir>', 'state dir of the cluster (env CERTSCRAPE_CLUSTER_STATE_DIR)');
    return env.clusterStateDir ? o.default(env.clusterStateDir) : o.makeOptionMandatory();
  };
  let invocation: Invocation | undefined;
  const program = addStandardFlags(
    new Command('certscrape-cluster').description('A local Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager) for certscrape tests and demos.'),
  );
  program
    .command('up')
    .description('provision what is missing, start the cluster, wait until ready, print its info as one JSON object')
    .addOption(stateDirOption())
    .option('--signing-duration <duration>', 'kube-controller-manager --cluster-signing-duration (10m, 1h, 600)', duration, 3600)
    .option('--bind-address <ip>', 'kube-apiserver --bind-address (added to its serving certificate)', '127.0.0.1')
    .addOption(new Option('--provider <name>', 'local processes, or kind (needs a Docker engine)').choices(['local', 'kind']).default('local'))
    .option('--kind-name <name>', 'kind: cluster name (default derived from the state dir)')
    .option('--kind-image <image>', 'kind: node image')
    .action((o) => void (invocation = { command: 'up', o }));
  program
    .command('down')
    .description('stop every process the cluster started (by pid) and wait until they are gone')
    .addOption(stateDirOption())
    .action((o) => void (invocation = { command: 'down', o }));
  program
    .command('status')
    .description('print the state and whether each process runs; exit 0 when the cluster is live, 1 otherwise')
    .addOption(stateDirOption())
    .action((o) => void (invocation = { command: 'status', o }));
  program
    .command('kubeconfig')
    .description('create NS and service account if needed, request a token, write a kubeconfig for it')
    .addOption(stateDirOption())
    .requiredOption('--service-account <ns/name>', 'the service account, NAMESPACE/NAME')
    .requiredOption('--out <file>', 'kubeconfig to write (mode 0600)')
    .option('--expiration <duration>', 'token lifetime (TokenRequest expirationSeconds)', duration, 86_400)
    // Checked while parsing, so a bad NAMESPACE/NAME is a configuration error (exit 2).
    .action((o: { serviceAccount: string; stateDir: string; out: string; expiration: number }) => void (invocation = { command: 'kubeconfig', o, ...parseServiceAccountRef(o.serviceAccount) }));
  const help = parseCommandLine(program, args);
  if (help) return help;
  if (invocation === undefined) throw new ProcessKitError('PROCESS_KIT_ERR_FLAGS', 'missing command: up, down, status or kubeconfig (see --help)');
  return { kind: 'run', logLevel: logLevelOf(program.opts(), rawEnv['LOG_LEVEL']), config: { invocation, env } };
}

const print = (value: unknown): void => {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
};

await runMain<CliConfig>({
  name: 'certscrape-cluster',
  version: packageVersion(import.meta.url),
  startErrorCode: 'LOCAL_CLUSTER_ERR_UNEXPECTED',
  logTo: 'stderr',
  // Interrupted: what was started has been stopped; 130 says "interrupted", as shells do.
  signalExitCode: 130,
  parse,
  start: async ({ invocation, env }, { onShutdown }) => {
    switch (invocation.command) {
      case 'up': {
        const o = invocation.o;
        const say = progressReporter((l) => process.stderr.write(l + '\n'));
        let done = false;
        // A cluster that is already live is refused by upLocalCluster, and must then be left alone.
        const wasLive = (await clusterStatus(o.stateDir)).live;
        // Interrupted (or failed) while starting: stop what was started (the processes are detached and would outlive us).
        onShutdown('stop a cluster that did not finish starting', async () => {
          if (done || wasLive) return;
          say('interrupted: stopping what was started');
          await attachLocalCluster(o.stateDir)
            .then((c) => c.down())
            .catch(() => undefined);
        });
        const cluster = await upLocalCluster({
          stateDir: resolve(o.stateDir),
          signingDurationSeconds: o.signingDuration,
          bindAddress: o.bindAddress,
          provider: o.provider,
          onProgress: (l) => process.stderr.write(l + '\n'),
          ...(env.k8sBinDir && o.provider === 'local' ? { binDir: env.k8sBinDir } : {}),
          kind: { ...(o.kindName ? { name: o.kindName } : {}), ...(o.kindImage ? { image: o.kindImage } : {}) },
        });
        done = true;
        say('done');
        print(cluster.info);
        return { exitCode: 0 };
      }
      case 'down': {
        const cluster = await attachLocalCluster(invocation.o.stateDir);
        await cluster.down();
        print(await clusterStatus(invocation.o.stateDir));
        return { exitCode: 0 };
      }
      case 'status': {
        const report = await clusterStatus(invocation.o.stateDir);
        print(report);
        return { exitCode: report.live ? 0 : 1 };
      }
      case 'kubeconfig': {
        const { o, namespace, name } = invocation;
        const cluster = await attachLocalCluster(o.stateDir);
        const out = await cluster.serviceAccountKubeconfig({ namespace, name, out: resolve(o.out), expirationSeconds: o.expiration });
        print({ kubeconfig: out, namespace, name, username: serviceAccountUsername(namespace, name) });
        return { exitCode: 0 };
      }
    }
  },
});
