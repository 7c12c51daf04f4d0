// The `certscrape-cluster` command: up | down | status | kubeconfig. JSON on stdout, progress on stderr.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { attachLocalCluster, clusterStatus, upLocalCluster } from './cluster.js';
import { readEnvironment } from './config.js';
import { parseDurationSeconds } from './duration.js';
import { LocalClusterError, isLocalClusterError } from './errors.js';
import { progressReporter } from './progress.js';
import { parseServiceAccountRef, serviceAccountUsername } from './service-account.js';
import type { ProviderName } from './types.js';

const env = readEnvironment();

const duration = (v: string): number => {
  try {
    return parseDurationSeconds(v);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
};

const stateDirOption = (): Option => {
  const o = new Option('--state-dir <dir>', 'state dir of the cluster (env CERTSCRAPE_CLUSTER_STATE_DIR)');
  return env.clusterStateDir ? o.default(env.clusterStateDir) : o.makeOptionMandatory();
};

const print = (value: unknown): void => {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
};

const program = new Command('certscrape-cluster')
  .description('A local Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager) for certscrape tests and demos.')
  .showHelpAfterError();

program
  .command('up')
  .description('provision what is missing, start the cluster, wait until ready, print its info as one JSON object')
  .addOption(stateDirOption())
  .option('--signing-duration <duration>', 'kube-controller-manager --cluster-signing-duration (10m, 1h, 600)', duration, 3600)
  .option('--bind-address <ip>', 'kube-apiserver --bind-address (added to its serving certificate)', '127.0.0.1')
  .addOption(new Option('--provider <name>', 'local processes, or kind (needs a Docker engine)').choices(['local', 'kind']).default('local'))
  .option('--kind-name <name>', 'kind: cluster name (default derived from the state dir)')
  .option('--kind-image <image>', 'kind: node image')
  .action(async (o: { stateDir: string; signingDuration: number; bindAddress: string; provider: ProviderName; kindName?: string; kindImage?: string }) => {
    const say = progressReporter((l) => process.stderr.write(l + '\n'));
    // Interrupted while starting: stop what was started (the processes are detached and would outlive us).
    const interrupt = (signal: NodeJS.Signals): void => {
      say(`${signal}: stopping what was started`);
      void attachLocalCluster(o.stateDir)
        .then((c) => c.down())
        .catch(() => undefined)
        .finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
    const cluster = await upLocalCluster({
      stateDir: resolve(o.stateDir),
      signingDurationSeconds: o.signingDuration,
      bindAddress: o.bindAddress,
      provider: o.provider,
      onProgress: (l) => process.stderr.write(l + '\n'),
      ...(env.k8sBinDir && o.provider === 'local' ? { binDir: env.k8sBinDir } : {}),
      kind: { ...(o.kindName ? { name: o.kindName } : {}), ...(o.kindImage ? { image: o.kindImage } : {}) },
    });
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    say('done');
    print(cluster.info);
  });

program
  .command('down')
  .description('stop every process the cluster started (by pid) and wait until they are gone')
  .addOption(stateDirOption())
  .action(async (o: { stateDir: string }) => {
    const cluster = await attachLocalCluster(o.stateDir);
    await cluster.down();
    print(await clusterStatus(o.stateDir));
  });

program
  .command('status')
  .description('print the state and whether each process runs; exit 0 when the cluster is live, 1 otherwise')
  .addOption(stateDirOption())
  .action(async (o: { stateDir: string }) => {
    const report = await clusterStatus(o.stateDir);
    print(report);
    if (!report.live) process.exitCode = 1;
  });

program
  .command('kubeconfig')
  .description('create NS and service account if needed, request a token, write a kubeconfig for it')
  .addOption(stateDirOption())
  .requiredOption('--service-account <ns/name>', 'the service account, NAMESPACE/NAME')
  .requiredOption('--out <file>', 'kubeconfig to write (mode 0600)')
  .option('--expiration <duration>', 'token lifetime (TokenRequest expirationSeconds)', duration, 86_400)
  .action(async (o: { stateDir: string; serviceAccount: string; out: string; expiration: number }) => {
    const { namespace, name } = parseServiceAccountRef(o.serviceAccount);
    const cluster = await attachLocalCluster(o.stateDir);
    const out = await cluster.serviceAccountKubeconfig({ namespace, name, out: resolve(o.out), expirationSeconds: o.expiration });
    print({ kubeconfig: out, namespace, name, username: serviceAccountUsername(namespace, name) });
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const code = isLocalClusterError(e) ? e.code : 'LOCAL_CLUSTER_ERR_UNEXPECTED';
  process.stderr.write(`certscrape-cluster: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = e instanceof LocalClusterError && e.code === 'LOCAL_CLUSTER_ERR_ARGUMENT' ? 2 : 1;
}
