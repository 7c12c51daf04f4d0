import { describe, expect, it } from 'vitest';
import { namespaceProcessName, readCmdline, readProcSample } from './proc-stats.js';

describe('proc-stats', () => {
  it("reads this process's RSS and open fds from /proc", async () => {
    const s = await readProcSample(process.pid, 5);
    expect(s).toMatchObject({ atMs: 5, pid: process.pid });
    expect(s?.rssKiB).toBeGreaterThan(1024);
    expect(s?.fds).toBeGreaterThanOrEqual(3);
    expect(await readCmdline(process.pid)).toContain(process.execPath);
  });

  it('a process that does not exist has no sample', async () => {
    expect(await readProcSample(2 ** 22 + 1)).toBeUndefined();
  });

  it('tells the namespace targets apart by bin and listen port', () => {
    expect(namespaceProcessName(['/node', '/w/e2e/dist/fixtures/node-metrics-server.js', '--listen=10.0.0.2:9445'])).toBe('node-app');
    const sidecar = (port: number): string[] => ['/node', '/w/packages/target-auth/bin/certscrape-target-auth.js', `--secure-listen-address=10.0.0.2:${port}`];
    expect(namespaceProcessName(sidecar(9443))).toBe('node-exporter-sidecar');
    expect(namespaceProcessName(sidecar(9444))).toBe('etcd-sidecar');
    expect(namespaceProcessName(sidecar(9446))).toBeUndefined();
    expect(namespaceProcessName(['prometheus-node-exporter', '--web.listen-address=127.0.0.1:9100'])).toBeUndefined();
  });
});
