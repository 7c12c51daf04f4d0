// etcd stopped and started again on the same data. kube-apiserver loses its storage for a few
// seconds; the targets never ask it anything on the certificate path.
import { secondsBetween, type Fault } from './fault.js';
import { waitFor } from '../support/wait-for.js';

export const etcdRestartFault: Fault<undefined> = {
  key: 'etcdRestarted',
  what: 'restart etcd (same data dir), then ask the operator for a new pair',
  async run(ctx) {
    const { serial } = await ctx.installedPair();
    const restartedAt = new Date();
    await ctx.cluster.restartEtcd();
    const etcdBackAt = new Date();
    // Recovered: kube-apiserver serves the Secret again and the operator's gauges describe it.
    await waitFor(() => ctx.installedPair(), { what: 'kube-apiserver serving again after the etcd restart', timeoutMs: 120_000 });
    const apiBackAt = new Date();
    // And the operator still issues: its watches survived the storage restart.
    await ctx.deleteCertSecret();
    const settled = await ctx.waitSettled(serial);
    return {
      recoverySeconds: secondsBetween(restartedAt, apiBackAt),
      details: { etcdRestartSeconds: secondsBetween(restartedAt, etcdBackAt), reissuedOnRequestSeconds: secondsBetween(apiBackAt, settled.at), csrsLeft: settled.csrsLeft, newSerial: settled.serial !== serial },
    };
  },
};
