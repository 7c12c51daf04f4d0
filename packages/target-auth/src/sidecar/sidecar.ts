import { readFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Server } from 'node:https';
import type { Server as TlsServer } from 'node:tls';
import type { Registry } from 'prom-client';
import { ClientCertAuthenticator } from '../authn/client-cert-authenticator.js';
import { RequestAuthenticator } from '../authn/request-authenticator.js';
import type { TokenAuthenticator } from '../authn/token-authenticator.js';
import { AllowPaths } from '../authz/allow-paths.js';
import { parseKubeRbacProxyConfig } from '../authz/kube-rbac-proxy-config.js';
import { StaticAuthorizer } from '../authz/static-authorizer.js';
import { UnionAuthorizer, type UnionMember } from '../authz/union-authorizer.js';
import { CaBundleWatcher, type CaBundle, type CaBundleSource } from '../ca-bundle.js';
import type { SidecarConfig } from '../config.js';
import { TargetAuthError } from '../errors.js';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import { createTargetAuthMetrics } from '../metrics.js';
import { withAllowPaths } from '../middleware/with-allow-paths.js';
import { withAuthentication } from '../middleware/with-authentication.js';
import { withAuthorization } from '../middleware/with-authorization.js';
import type { RequestHandler } from '../middleware/types.js';
import { createSecureHttp2Server, createSecureServer, type SecureServerOptions } from '../secure-server.js';
import { ServingCertReloader, staticServingPair, type ServingPairSource } from '../serving-cert.js';
import { createOwnEndpointsHandler } from './own-endpoints.js';
import { openUpstreamAgent } from './upstream-agent.js';
import { upstreamIdentityHeaders, withoutClientIdentityFields } from './upstream-identity-headers.js';
import { createUpstreamProxy } from './upstream-proxy.js';
import { withIgnorePaths } from './with-ignore-paths.js';
import { withRequestFraming } from './with-request-framing.js';

/** A running sidecar. */
export interface RunningSidecar {
  /** The proxy listener: node:http2 (h2 + HTTP/1.1) unless `--http2-disable`, then node:https. */
  readonly server: Server | Http2SecureServer;
  readonly address: AddressInfo;
  /** `--proxy-endpoints-port` listener's address (TLS), when configured. */
  readonly endpointsAddress: AddressInfo | undefined;
  /** `--metrics-bind-address` listener's address (plain HTTP), when configured. */
  readonly metricsAddress: AddressInfo | undefined;
  /** The metrics registry (decision, reload and delegated-call metrics). */
  readonly registry: Registry;
  /** Stops listening, closes connections and watchers. */
  close(): Promise<void>;
}

/** Dependencies of {@link startSidecar}. */
export interface SidecarDependencies {
  readonly logger?: TargetAuthLogger;
  readonly registry?: Registry;
}

const KEEP_ALIVE_TIMEOUT_MS = 120_000;

// node:http's CommonJS exports, not an ESM `import … from 'node:http'`: building that module's
// namespace reads its lazy WebSocket/CloseEvent/MessageEvent getters, which load Node's bundled
// undici (~9 MiB resident) that the sidecar never uses (lazy-imports.test.ts keeps it so).
const { createServer: createHttpServer } = process.getBuiltinModule('node:http');

// With no --client-ca-file the handshake still needs a CA list; an empty source never changes.
const NO_CLIENT_CA: CaBundleSource = {
  current: (): CaBundle => ({ generation: 0, certificates: [], pem: '', loadedAt: new Date(0) }),
  onChange: () => () => undefined,
};

/**
 * Wires the sidecar from its config: CA bundle + serving pair watchers (fail fast on bad
 * files), static rules from `--config-file`, the optional delegated fallback (only with
 * `--kubeconfig` or in-cluster config; rate-limited by `--kube-api-qps`/`--kube-api-burst`), the
 * upstream agent (`https://` with `--upstream-ca-file` and a reloaded client pair, or h2c), then
 * `client identity fields stripped -> ignore-paths bypass | allow-paths -> authentication ->
 * authorization -> upstream proxy (+ identity headers)`, composed here in one visible place,
 * served over h2 + HTTP/1.1 (or HTTP/1.1 only with `--http2-disable`) with `--tls-min-version`
 * and `--tls-cipher-suites`. Own endpoints: `--proxy-endpoints-port` (TLS) and
 * `--metrics-bind-address` (plain HTTP). What only some configurations use (the delegated
 * fallback, h2c, the self-signed pair) is imported only when configured, so it is not resident
 * in a sidecar that does not use it.
 */
export async function startSidecar(config: SidecarConfig, deps: SidecarDependencies = {}): Promise<RunningSidecar> {
  const logger = deps.logger ?? silentLogger;
  const metrics = createTargetAuthMetrics(deps.registry ? { registry: deps.registry } : {});
  for (const w of config.warnings) logger.warn({}, w);
  const closers: Array<() => void | Promise<void>> = [];
  try {
    let rules: ReturnType<typeof parseKubeRbacProxyConfig>['staticRules'] = [];
    if (config.configFile !== undefined) {
      let text: string;
      try {
        text = await readFile(config.configFile, 'utf8');
      } catch (cause) {
        throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_INVALID', `cannot read --config-file ${config.configFile}`, { cause });
      }
      rules = parseKubeRbacProxyConfig(text, config.configFile).staticRules;
    }
    if (rules.length === 0) logger.warn({}, 'no static authorization rules: certificate-authenticated requests will all be denied');

    let caBundle: CaBundleSource = NO_CLIENT_CA;
    let clientCert: ClientCertAuthenticator | undefined;
    if (config.clientCaFile !== undefined) {
      const watcher = await CaBundleWatcher.open({ file: config.clientCaFile, pollIntervalMs: config.pollIntervalMs, logger, metrics });
      closers.push(() => watcher.close());
      caBundle = watcher;
      clientCert = new ClientCertAuthenticator({ caBundle, metrics, logger });
    }
    let serving: ServingPairSource;
    if (config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined) {
      const reloader = await ServingCertReloader.open({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, pollIntervalMs: config.tlsReloadIntervalMs, logger, metrics });
      closers.push(() => reloader.close());
      serving = reloader;
    } else {
      logger.warn({}, 'no --tls-cert-file/--tls-private-key-file: serving a generated self-signed certificate');
      const { selfSignedServingPair } = await import('./self-signed.js');
      serving = staticServingPair(await selfSignedServingPair(config.listenHost ?? '0.0.0.0'));
    }

    const members: UnionMember[] = [{ authorizer: new StaticAuthorizer(rules) }];
    let token: TokenAuthenticator | undefined;
    if (config.kubeconfig !== undefined || config.inCluster) {
      const [{ createKubernetesDelegatedClients }, { rateLimitDelegatedClients }, { TokenAuthenticator }, { SubjectAccessReviewAuthorizer }] = await Promise.all([
        import('../delegated-clients.js'),
        import('./rate-limited-clients.js'),
        import('../authn/token-authenticator.js'),
        import('../authz/subject-access-review-authorizer.js'),
      ]);
      const clients = rateLimitDelegatedClients(
        await createKubernetesDelegatedClients({ ...(config.kubeconfig !== undefined ? { kubeconfig: config.kubeconfig } : { inCluster: true }), onCall: (api, result) => metrics.delegatedCall(api, result) }),
        { qps: config.kubeApiQps, burst: config.kubeApiBurst },
      );
      const ttl = config.delegatedCacheTtlMs;
      const tokenTtls = ttl === undefined ? {} : { successTtlMs: ttl, failureTtlMs: Math.min(ttl, 10_000) };
      const sarTtls = ttl === undefined ? {} : { allowTtlMs: ttl, denyTtlMs: Math.min(ttl, 30_000) };
      token = new TokenAuthenticator(clients.tokenReviews, { audiences: config.tokenAudiences, ...tokenTtls, onCacheLookup: (r) => metrics.delegatedCache('tokenreview', r) });
      members.push({
        authorizer: new SubjectAccessReviewAuthorizer(clients.subjectAccessReviews, { ...sarTtls, onCacheLookup: (r) => metrics.delegatedCache('subjectaccessreview', r) }),
        onlyFor: ['token'],
      });
    }
    const authenticator = new RequestAuthenticator({ ...(clientCert ? { clientCert } : {}), ...(token ? { token } : {}) });
    const mw = { metrics, logger, ...(config.decisionLog ? { decisionLog: logger } : {}) };
    const extraHeaders = config.authHeaders !== undefined ? { extraHeaders: upstreamIdentityHeaders(config.authHeaders) } : {};
    let proxy: RequestHandler;
    if (config.upstreamForceH2c) {
      const { createH2cUpstreamProxy } = await import('./h2c-upstream-proxy.js');
      const h2c = createH2cUpstreamProxy({ upstream: config.upstream, logger, ...extraHeaders });
      closers.push(() => h2c.close());
      proxy = h2c;
    } else {
      const upstreamAgent = await openUpstreamAgent({
        upstream: config.upstream,
        caFile: config.upstreamCaFile,
        clientCertFile: config.upstreamClientCertFile,
        clientKeyFile: config.upstreamClientKeyFile,
        pollIntervalMs: config.pollIntervalMs,
        logger,
      });
      closers.push(() => upstreamAgent.close());
      proxy = createUpstreamProxy({ upstream: config.upstream, agent: upstreamAgent.agent, logger, ...extraHeaders });
    }
    const guard = (next: RequestHandler) => withAuthentication(authenticator, mw, withAuthorization(new UnionAuthorizer(members), mw, next));

    // Framing first: a request that could be read as two never reaches authentication or the upstream.
    const handler = withRequestFraming(
      { logger },
      withoutClientIdentityFields(
        config.authHeaders,
        withIgnorePaths(config.ignorePaths.length > 0 ? new AllowPaths(config.ignorePaths) : undefined, proxy, withAllowPaths(new AllowPaths(config.allowPaths), mw, guard(proxy))),
      ),
    );

    const tls: SecureServerOptions = { caBundle, serving, https: { minVersion: config.tlsMinVersion, ...(config.tlsCiphers !== undefined ? { ciphers: config.tlsCiphers } : {}) } };
    const serve = (h: RequestHandler): Server | Http2SecureServer =>
      trackConnections(
      config.http2.enabled
        ? createSecureHttp2Server({ ...tls, settings: { maxConcurrentStreams: config.http2.maxConcurrentStreams, maxFrameSize: Math.min(Math.max(config.http2.maxSize, 16_384), 16_777_215), initialWindowSize: Math.min(config.http2.maxSize, 2_147_483_647) } }, h)
        : createSecureServer(tls, h),
      );
    const server = serve(handler);
    // Keep scrapers' connections across scrape intervals (Prometheus keeps idle connections for
    // 5 minutes): a reused connection costs no handshake and no chain verification.
    if ('keepAliveTimeout' in server) {
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 5_000;
    }
    let listening = false;
    const address = await listen(server, config.listenPort, config.listenHost);
    closers.push(() => closeServer(server));
    listening = true;

    const own = (guardMetrics?: (m: RequestHandler) => RequestHandler) => createOwnEndpointsHandler({ registry: metrics.registry, ready: () => listening, ...(guardMetrics ? { guardMetrics } : {}) });
    let endpointsAddress: AddressInfo | undefined;
    if (config.proxyEndpointsPort !== undefined) {
      const endpoints = serve(own(guard));
      endpointsAddress = await listen(endpoints, config.proxyEndpointsPort, config.listenHost);
      closers.push(() => closeServer(endpoints));
    }
    let metricsAddress: AddressInfo | undefined;
    if (config.metricsAddress !== undefined) {
      const plain = trackConnections(createHttpServer(own()));
      metricsAddress = await listen(plain, config.metricsAddress.port, config.metricsAddress.host);
      closers.push(() => closeServer(plain));
    }
    logger.info(
      {
        address: `${address.address}:${address.port}`,
        upstream: config.upstream.origin,
        http2: config.http2.enabled,
        clientCa: config.clientCaFile !== undefined,
        tokenFallback: token !== undefined,
        ...(endpointsAddress ? { proxyEndpoints: endpointsAddress.port } : {}),
        ...(metricsAddress ? { metrics: `${metricsAddress.address}:${metricsAddress.port}` } : {}),
      },
      'certscrape-target-auth listening',
    );
    return {
      server,
      address,
      endpointsAddress,
      metricsAddress,
      registry: metrics.registry,
      close: async () => {
        listening = false;
        await closeAll(closers);
      },
    };
  } catch (e) {
    await closeAll(closers);
    throw e;
  }
}

async function closeAll(closers: ReadonlyArray<() => void | Promise<void>>): Promise<void> {
  for (const c of [...closers].reverse()) await c();
}

function listen(server: TlsServer | HttpServer, port: number, host: string | undefined): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    };
    if (host === undefined) server.listen(port, done);
    else server.listen(port, host, done);
  });
}

function closeServer(server: TlsServer | HttpServer | Http2SecureServer): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const socket of CONNECTIONS.get(server) ?? []) socket.destroy();
  });
}

// Every accepted connection, so close() does not wait for keep-alive connections or HTTP/2
// sessions to go idle (node:http2 servers have no closeAllConnections()).
const CONNECTIONS = new WeakMap<object, Set<Socket>>();
function trackConnections<S extends TlsServer | HttpServer>(server: S): S {
  const set = new Set<Socket>();
  CONNECTIONS.set(server, set);
  server.on('connection', (socket: Socket) => {
    set.add(socket);
    socket.once('close', () => set.delete(socket));
  });
  return server;
}
