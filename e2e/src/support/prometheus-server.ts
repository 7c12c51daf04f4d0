import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { E2eError } from './errors.js';
import { ManagedProcess } from './managed-process.js';
import { waitFor } from './wait-for.js';

/** One element of an instant-query vector. */
export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One element of a range-vector (matrix) result: the raw samples, `[ms since the epoch, value]`, in time order. */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly samples: readonly (readonly [number, number])[];
}

/** Options of {@link PrometheusServer.start}. */
export interface PrometheusStartOptions {
  /** Working dir: config file, TSDB storage and log live here. */
  readonly dir: string;
  /** Loopback port for the web UI and API. */
  readonly port: number;
  readonly configYaml: string;
  /** Executable; default `prometheus` (Debian's package). */
  readonly binary?: string;
}

/** A real Prometheus (Debian's 2.42) started for the scenario, with its config reloadable over /-/reload. */
export class PrometheusServer {
  readonly url: string;
  readonly configFile: string;
  readonly process: ManagedProcess;

  private constructor(url: string, configFile: string, proc: ManagedProcess) {
    this.url = url;
    this.configFile = configFile;
    this.process = proc;
  }

  /** Writes the config, starts Prometheus on 127.0.0.1:port and waits for /-/ready. */
  static async start(options: PrometheusStartOptions): Promise<PrometheusServer> {
    await mkdir(join(options.dir, 'data'), { recursive: true });
    const configFile = join(options.dir, 'prometheus.yml');
    await writeFile(configFile, options.configYaml);
    const proc = ManagedProcess.start({
      name: 'prometheus',
      command: options.binary ?? 'prometheus',
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(options.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${options.port}`,
        '--web.enable-lifecycle',
        '--storage.tsdb.retention.time=1d',
        '--log.level=warn',
      ],
      logFile: join(options.dir, 'prometheus.log'),
    });
    const server = new PrometheusServer(`http://127.0.0.1:${options.port}`, configFile, proc);
    await waitFor(
      async () => {
        proc.assertRunning();
        const res = await fetch(`${server.url}/-/ready`);
        return res.ok ? true : undefined;
      },
      { what: 'Prometheus /-/ready', timeoutMs: 30_000 },
    ).catch((e) => {
      void proc.stop();
      throw e;
    });
    return server;
  }

  /** Replaces the configuration and asks Prometheus to reload it. */
  async reload(configYaml: string): Promise<void> {
    await writeFile(this.configFile, configYaml);
    const res = await fetch(`${this.url}/-/reload`, { method: 'POST' });
    if (!res.ok) throw new E2eError('E2E_ERR_PROMETHEUS', `reload failed: ${res.status} ${await res.text()}`);
  }

  /** Evaluates an instant PromQL query (at `time`, default now) and returns the vector. */
  async query(promql: string, time?: Date): Promise<PromSample[]> {
    const result = await this.evaluate<{ metric: Record<string, string>; value: [number, string] }>(promql, 'vector', time);
    return result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /**
   * Evaluates a range-vector selector such as `up[600000ms]` at `time` (default now) and returns
   * every raw sample it selects — one per scrape for `up`, unlike query_range, which re-samples
   * at its step.
   */
  async samples(promql: string, time?: Date): Promise<PromSeries[]> {
    const result = await this.evaluate<{ metric: Record<string, string>; values: [number, string][] }>(promql, 'matrix', time);
    return result.map((r) => ({ metric: r.metric, samples: r.values.map(([t, v]) => [Math.round(t * 1000), Number(v)] as const) }));
  }

  /** GET /api/v1/query; the result must be of `resultType`. */
  private async evaluate<R>(promql: string, resultType: 'vector' | 'matrix', time?: Date): Promise<R[]> {
    const params = new URLSearchParams({ query: promql });
    if (time) params.set('time', (time.getTime() / 1000).toFixed(3));
    const res = await fetch(`${this.url}/api/v1/query?${params}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: R[] } };
    if (body.status !== 'success' || !body.data) throw new E2eError('E2E_ERR_PROMETHEUS', `query ${promql} failed: ${body.error ?? res.status}`);
    if (body.data.resultType !== resultType) throw new E2eError('E2E_ERR_PROMETHEUS', `query ${promql} returned ${body.data.resultType}, expected ${resultType}`);
    return body.data.result;
  }

  /** Sum of an instant query's vector (0 when empty). */
  async scalar(promql: string, time?: Date): Promise<number> {
    return (await this.query(promql, time)).reduce((sum, s) => sum + s.value, 0);
  }

  /** Stops Prometheus. */
  async stop(): Promise<void> {
    await this.process.stop();
  }
}
