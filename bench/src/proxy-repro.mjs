// Repro (uncommitted): scraper-proxy throughput at concurrency 4 vs direct mTLS.
import { createServer } from 'node:https';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createBenchPki } from '../dist/support/pki.js';
import { runLoad } from '../dist/support/load.js';
import { freePort } from '../dist/support/free-port.js';

const pki = await createBenchPki('/tmp/prx/pki', 'bench');
const body = Buffer.alloc(57 * 1024, 'x');
const srv = createServer({ cert: readFileSync(pki.serverCertFile), key: readFileSync(pki.serverKeyFile), ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const url = new URL(`https://127.0.0.1:${srv.address().port}/metrics`);
const port = await freePort();
const extra = process.env.PROXY_NODE_ARGS ? process.env.PROXY_NODE_ARGS.split(' ') : [];
const child = spawn(process.execPath, [...extra, '/work/main/apps/scraper-proxy/bin/certscrape-scraper-proxy.js', `--listen-address=127.0.0.1:${port}`, `--metrics-bind-address=127.0.0.1:${await freePort()}`, `--cert-file=${pki.clientCertFile}`, `--key-file=${pki.clientKeyFile}`, `--upstream-ca-file=${pki.caFile}`], { stdio: ['ignore', 'ignore', 'inherit'] });
await new Promise((r) => setTimeout(r, 1500));
const proxy = new URL(`http://127.0.0.1:${port}`);
const base = { url, mode: 'keepalive', ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, maxMillis: 60000 };
const cpu = () => { const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
await runLoad({ ...base, requests: 300, concurrency: 1 });
await runLoad({ ...base, requests: 300, concurrency: 1, proxy });
for (let i = 0; i < 2; i++) {
  const d = await runLoad({ ...base, requests: 2000, concurrency: 4 });
  const c0 = cpu();
  const p = await runLoad({ ...base, requests: 2000, concurrency: 4, proxy });
  const c1 = cpu();
  const s = await runLoad({ ...base, requests: 500, concurrency: 1, proxy });
  const sd = await runLoad({ ...base, requests: 500, concurrency: 1 });
  console.log(`direct ${(d.ok / d.elapsedMs * 1000).toFixed(0)} req/s; proxied ${(p.ok / p.elapsedMs * 1000).toFixed(0)} req/s (err ${p.errors}); proxy cpu ${((c1 - c0) / p.ok * 1000).toFixed(0)} us/req; seq rps proxied ${(s.ok / s.elapsedMs * 1000).toFixed(0)} direct ${(sd.ok / sd.elapsedMs * 1000).toFixed(0)}`);
}
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
srv.close(); srv.closeAllConnections();
