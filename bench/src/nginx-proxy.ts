// The sidecar's peer for `sidecar.*.ratio_vs_nginx_proxy`: what a platform team would put in front
// of an exporter instead of certscrape-target-auth — nginx terminating mTLS (`ssl_verify_client
// on`, a subject check per request) and reverse-proxying to the same kind of plain-HTTP upstream
// over a keep-alive pool. As for the sidecar, only the proxy's CPU is charged, not the upstream's.
import { launchNginx, nodeServer, type Contender, type ContenderInputs } from './support/contenders.js';

/** nginx reverse proxy with client-certificate verification in front of the bench's static-http upstream. */
export async function startNginxProxy(i: ContenderInputs): Promise<Contender> {
  const upstream = await nodeServer('nginx-proxy-upstream', 'static-http', { certFile: '', keyFile: '', bodyFile: i.bodyFile });
  const { url, process: p } = await launchNginx(
    i,
    'nginx-proxy',
    `
  upstream exporter {
    server 127.0.0.1:${upstream.port};
    keepalive 16;
  }`,
    `
      proxy_pass http://exporter;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;`,
  );
  return { name: 'nginx-proxy', url, measured: p, all: [p, upstream], checks: 'chain at the handshake (ssl_verify_client on), subject DN compare per request, then a keep-alive HTTP hop to the upstream' };
}
