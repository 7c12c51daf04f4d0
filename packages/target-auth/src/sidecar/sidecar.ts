import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import type { Registry } from 'prom-client';
import { ClientCertAuthenticator } from '../authn/client-cert-authenticator.js';
import { RequestAuthenticator } from '../authn/request-authenticator.js';
import { TokenAuthenticator } from '../authn/token-authenticator.js';
import { AllowPaths } from '../authz/allow-paths.js';
import { parseKubeRbacProxyConfig } from '../authz/kube-rbac-proxy-config.js';
import { StaticAuthorizer } from '../authz/static-authorizer.js';
import { SubjectAccessReviewAuthorizer } from '../authz/subject-access-review-authorizer.js';
import { UnionAuthorizer, type UnionMember } from '../authz/union-authorizer.js';
import { CaBundleWatcher, type CaBundle, type CaBundleSource } from '../ca-bundle.js';
import type { SidecarConfig } from '../config.js';
import { createKubernetesDelegatedClients } from '../delegated-clients.js';
import { TargetAuthError } from '../errors.js';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import { createTargetAuthMetrics } from '../metrics.js';
import { withAllowPaths } from '../middleware/with-allow-paths.js';
import { withAuthentication } from '../middleware/with-authentication.js';
import { withAuthorization } from '../middleware/with-authorization.js';
import { createSecureServer } from '../secure-server.js';
import { ServingCertReloader, staticServingPair, type ServingPairSource } from '../serving-cert.js';
import { selfSignedServingPair } from './self-signed.js';
import { createUpstreamProxy } from './upstream-proxy.js';

/** A running sidecar. */
export interface RunningSidecar {
  readonly server: Server;
  readonly address: AddressInfo;
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

// With no --client-ca-file the handshake still needs a CA list; an empty source never changes.
const NO_CLIENT_CA: CaBundleSource = {
  current: (): CaBundle => ({ generation: 0, certificates: [], pem: '', loadedAt: new Date(0) }),
  onChange: () => () => undefined,
};

/**
 * Wires the sidecar from its config: CA bundle + serving pair watchers (fail fast on bad
 * files), static rules from `--config-file`, the optional delegated fallback (only with
 * `--kubeconfig`), then `allow-paths -> authentication -> authorization -> upstream proxy`,
 * composed here in one visible place, served by {@link createSecureServer}.
 */
export async function startSidecar(config: SidecarConfig, deps: SidecarDependencies = {}): Promise<RunningSidecar> {
  const logger = deps.logger ?? silentLogger;
  const metrics = createTargetAuthMetrics(deps.registry ? { registry: deps.registry } : {});
  const closers: Array<() => void> = [];
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
      clientCert = new ClientCertAuthenticator({ caBundle });
    }
    let serving: ServingPairSource;
    if (config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined) {
      const reloader = await ServingCertReloader.open({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, pollIntervalMs: config.pollIntervalMs, logger, metrics });
      closers.push(() => reloader.close());
      serving = reloader;
    } else {
      logger.warn({}, 'no --tls-cert-file/--tls-private-key-file: serving a generated self-signed certificate');
      serving = staticServingPair(await selfSignedServingPair(config.listenHost));
    }

    const members: UnionMember[] = [{ authorizer: new StaticAuthorizer(rules) }];
    let token: TokenAuthenticator | undefined;
    if (config.kubeconfig !== undefined) {
      const clients = await createKubernetesDelegatedClients({ kubeconfig: config.kubeconfig, onCall: (api, result) => metrics.delegatedCall(api, result) });
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
    const proxy = createUpstreamProxy({ upstream: config.upstream, logger });

    const handler = withAllowPaths(new AllowPaths(config.allowPaths), mw, withAuthentication(authenticator, mw, withAuthorization(new UnionAuthorizer(members), mw, proxy)));

    const server = createSecureServer({ caBundle, serving }, handler);
    // Keep scrapers' connections across scrape intervals (Prometheus keeps idle connections for
    // 5 minutes): a reused connection costs no handshake and no chain verification.
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.listenPort, config.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    logger.info({ address: `${address.address}:${address.port}`, upstream: config.upstream.origin, clientCa: config.clientCaFile !== undefined, tokenFallback: token !== undefined }, 'certscrape-target-auth listening');
    return {
      server,
      address,
      registry: metrics.registry,
      close: async () => {
        for (const c of closers) c();
        proxy.agent.destroy();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      },
    };
  } catch (e) {
    for (const c of closers) c();
    throw e;
  }
}
