import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchPki } from './pki.js';
import { freePort } from './free-port.js';
import { startProcess, type BenchProcess } from './processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const serverScript = (name: string) => path.join(here, '..', 'servers', `${name}.js`);

/** A running server under test: where to send scrapes, and which processes to charge CPU to. */
export interface Contender {
  readonly name: string;
  readonly url: URL;
  /** Processes whose CPU counts as the server's (not the upstream exporter's). */
  readonly measured: BenchProcess;
  /** Everything to stop at the end. */
  readonly all: readonly BenchProcess[];
  /** What the contender checks beyond the TLS handshake. */
  readonly checks: string;
}

/** Shared inputs of every contender. */
export interface ContenderInputs {
  readonly pki: BenchPki;
  readonly bodyFile: string;
  readonly workDir: string;
}

const READY = /READY (\d+)/;

/** Starts one of bench/src/servers as a process and waits for its `READY <port>` line. */
export async function nodeServer(name: string, script: string, args: object): Promise<BenchProcess & { port: number }> {
  const p = await startProcess(name, process.execPath, [serverScript(script), JSON.stringify({ port: 0, ...args })], { readyLine: READY });
  return { ...p, port: Number(p.readyMatch![1]) };
}

/** Resolves true once an mTLS GET of `url` returns 200. */
export function probe(url: URL, pki: BenchPki): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const req = request(url, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
}

/** Plain Node HTTPS, no client authentication: the floor. */
export async function startPlainHttps(i: ContenderInputs): Promise<Contender> {
  const p = await nodeServer('plain-https', 'plain-https', { certFile: i.pki.serverCertFile, keyFile: i.pki.serverKeyFile, bodyFile: i.bodyFile });
  return { name: 'plain-https', url: new URL(`https://127.0.0.1:${p.port}/metrics`), measured: p, all: [p], checks: 'none (no client certificate requested)' };
}

/** @certscrape/target-auth in-process. */
export async function startTargetAuth(i: ContenderInputs): Promise<Contender> {
  const p = await nodeServer('target-auth', 'target-auth-https', { certFile: i.pki.serverCertFile, keyFile: i.pki.serverKeyFile, caFile: i.pki.caFile, bodyFile: i.bodyFile, user: i.pki.user });
  return { name: 'target-auth', url: new URL(`https://127.0.0.1:${p.port}/metrics`), measured: p, all: [p], checks: 'chain + EKU + validity per connection and CA generation, static rule user/verb/path per request, header stripping' };
}

/** Reference: naive Node mTLS (handshake verification + getPeerCertificate() per request), to separate Node's own mTLS cost. */
export async function startNodeMtlsNaive(i: ContenderInputs): Promise<Contender> {
  const p = await nodeServer('node-mtls-naive', 'node-mtls-naive', { certFile: i.pki.serverCertFile, keyFile: i.pki.serverKeyFile, caFile: i.pki.caFile, bodyFile: i.bodyFile, user: i.pki.user });
  return { name: 'node-mtls-naive', url: new URL(`https://127.0.0.1:${p.port}/metrics`), measured: p, all: [p], checks: 'chain at the handshake (rejectUnauthorized), getPeerCertificate() CN compare per request' };
}

/** The certscrape-target-auth sidecar in front of a plain HTTP upstream (the upstream's CPU is not charged). */
export async function startSidecar(i: ContenderInputs): Promise<Contender> {
  const upstream = await nodeServer('upstream', 'static-http', { certFile: '', keyFile: '', bodyFile: i.bodyFile });
  const config = path.join(i.workDir, 'sidecar-config.yaml');
  writeFileSync(config, `authorization:\n  static:\n    - user:\n        name: ${JSON.stringify(i.pki.user)}\n      verb: get\n      path: /metrics\n      resourceRequest: false\n`);
  const port = await freePort();
  const url = new URL(`https://127.0.0.1:${port}/metrics`);
  const bin = path.join(repo, 'packages/target-auth/bin/certscrape-target-auth.js');
  const p = await startProcess(
    'sidecar',
    process.execPath,
    [bin, `--secure-listen-address=127.0.0.1:${port}`, `--upstream=http://127.0.0.1:${upstream.port}/`, `--client-ca-file=${i.pki.caFile}`, `--config-file=${config}`, `--tls-cert-file=${i.pki.serverCertFile}`, `--tls-private-key-file=${i.pki.serverKeyFile}`],
    { probe: probe(url, i.pki) },
  );
  return { name: 'sidecar', url, measured: p, all: [p, upstream], checks: 'as target-auth, plus an HTTP hop to the upstream' };
}

/** nginx (Debian nginx-light) with ssl_verify_client on and a subject check. */
export async function startNginx(i: ContenderInputs): Promise<Contender> {
  const { url, process: p } = await launchNginx(i, 'nginx', '', `
      default_type "text/plain; version=0.0.4";
      alias ${i.bodyFile};`);
  return { name: 'nginx-mtls', url, measured: p, all: [p], checks: 'chain at the handshake (ssl_verify_client on), subject DN compare per request' };
}

/**
 * The one nginx launcher: a prefix under `workDir/<dir>`, one worker, an mTLS server
 * (`ssl_verify_client on` against the bench CA, no session tickets) whose `location = /metrics`
 * answers 403 unless the client subject is the bench user, then runs `location` (nginx
 * directives); `http` adds directives to the http block (e.g. an upstream). Ready once an mTLS
 * GET of /metrics answers 200.
 */
export async function launchNginx(i: ContenderInputs, dir: string, http: string, location: string): Promise<{ url: URL; process: BenchProcess }> {
  const prefix = path.join(i.workDir, dir);
  mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;${http}
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${i.pki.serverCertFile};
    ssl_certificate_key ${i.pki.serverKeyFile};
    ssl_client_certificate ${i.pki.caFile};
    ssl_verify_client on;
    ssl_session_tickets off;
    location = /metrics {
      if ($ssl_client_s_dn != "CN=${i.pki.user}") { return 403; }${location}
    }
  }
}
`,
  );
  const url = new URL(`https://127.0.0.1:${port}/metrics`);
  const p = await startProcess(dir, 'nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { probe: probe(url, i.pki) });
  return { url, process: p };
}

/** Go: Prometheus' exporter-toolkit web server (Debian prometheus 2.42) with RequireAndVerifyClientCert, serving the bytes as a user asset. */
export async function startGoExporterToolkit(i: ContenderInputs): Promise<Contender> {
  const dir = path.join(i.workDir, 'go');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  const { copyFileSync } = await import('node:fs');
  copyFileSync(i.bodyFile, path.join(dir, 'assets', 'metrics'));
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  writeFileSync(
    path.join(dir, 'web.yml'),
    `tls_server_config:\n  cert_file: ${i.pki.serverCertFile}\n  key_file: ${i.pki.serverKeyFile}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${i.pki.caFile}\n`,
  );
  const port = await freePort();
  const url = new URL(`https://127.0.0.1:${port}/user/metrics`);
  const p = await startProcess(
    'go-exporter-toolkit',
    'prometheus',
    [`--config.file=${dir}/prometheus.yml`, `--web.config.file=${dir}/web.yml`, `--web.listen-address=127.0.0.1:${port}`, `--web.user-assets=${dir}/assets`, `--storage.tsdb.path=${dir}/data`, '--log.level=warn'],
    { probe: probe(url, i.pki), timeoutMs: 30_000 },
  );
  return { name: 'go-mtls', url, measured: p, all: [p], checks: 'chain at the handshake (RequireAndVerifyClientCert); no per-request identity check' };
}
