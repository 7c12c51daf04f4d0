/**
 * @certscrape/target-auth — the targets' side of certscrape: client-certificate authentication
 * against a hot-reloaded CA bundle, local (static) authorization, an optional delegated
 * TokenReview/SubjectAccessReview fallback, middleware for node:http(s), Express and Fastify,
 * and the `certscrape-target-auth` sidecar.
 *
 * Typical composition (one visible place: authentication, then authorization, then the handler):
 * ```ts
 * const caBundle = await CaBundleWatcher.open({ file: '/etc/metrics-client-ca/client-ca.crt' });
 * const authenticator = new RequestAuthenticator({ clientCert: new ClientCertAuthenticator({ caBundle }) });
 * const authorizer = new StaticAuthorizer([{ user: { name: 'system:serviceaccount:monitoring:prometheus-k8s' }, verb: 'get', path: '/metrics' }]);
 * const handler = withAuthentication(authenticator, {}, withAuthorization(authorizer, {}, metricsHandler));
 * createSecureServer({ caBundle, serving }, handler).listen(8443);
 * ```
 */
export { TargetAuthError, isTargetAuthError, type TargetAuthErrorCode } from './errors.js';
export { silentLogger, type TargetAuthLogger } from './logger.js';
export { createTargetAuthMetrics, noopMetrics, type TargetAuthMetrics, type DecisionMethod, type DecisionResult } from './metrics.js';
export { CaBundleWatcher, parseCaBundle, staticCaBundle, type CaBundle, type CaBundleSource, type CaBundleWatcherOptions } from './ca-bundle.js';
export { ServingCertReloader, assertServingPair, staticServingPair, type ServingPair, type ServingPairSource, type ServingCertReloaderOptions } from './serving-cert.js';
export { createSecureServer, type SecureServerOptions } from './secure-server.js';
export { DecisionCache, type DecisionCacheOptions } from './decision-cache.js';

export type { UserInfo, AuthenticationMethod, AuthenticationResult, AuthenticationFailureReason } from './authn/user-info.js';
export { ClientCertAuthenticator, userFromSubject, type ClientCertAuthenticatorOptions } from './authn/client-cert-authenticator.js';
export { TokenAuthenticator, type TokenAuthenticatorOptions } from './authn/token-authenticator.js';
export { RequestAuthenticator, bearerToken, methodOf, type RequestAuthenticatorOptions } from './authn/request-authenticator.js';

export { DENIED_NO_RULE, type Authorizer, type AuthorizationDecision, type RequestAttributes } from './authz/authorizer.js';
export { StaticAuthorizer, type StaticRule, type StaticAuthorizerOptions } from './authz/static-authorizer.js';
export { UnionAuthorizer, type UnionMember } from './authz/union-authorizer.js';
export { SubjectAccessReviewAuthorizer, type SubjectAccessReviewAuthorizerOptions } from './authz/subject-access-review-authorizer.js';
export { parseKubeRbacProxyConfig, type KubeRbacProxyConfig } from './authz/kube-rbac-proxy-config.js';
export { normalizeRequestPath, type NormalizedPath } from './authz/path.js';
export { verbForMethod } from './authz/verb.js';
export { AllowPaths } from './authz/allow-paths.js';

export {
  createKubernetesDelegatedClients,
  type DelegatedClients,
  type DelegatedClientsOptions,
  type TokenReviewClient,
  type TokenReviewOutcome,
  type TokenReviewUser,
  type SubjectAccessReviewClient,
  type AccessQuestion,
} from './delegated-clients.js';

export type { RequestHandler, MiddlewareConfig, StepOutcome } from './middleware/types.js';
export { withAuthentication, createAuthenticationStep, stepMiddleware } from './middleware/with-authentication.js';
export { withAuthorization, createAuthorizationStep, type AuthorizationConfig } from './middleware/with-authorization.js';
export { withAllowPaths, createAllowPathsStep } from './middleware/with-allow-paths.js';
export { runSteps, type Step } from './middleware/steps.js';
export { getRequestUser } from './middleware/request-state.js';
export { stripIdentityHeaders, isIdentityHeader, isForwardableHeaderName } from './middleware/identity-headers.js';
export { UNAUTHORIZED, NOT_FOUND, INTERNAL_ERROR, forbidden, type PlainResponse } from './middleware/responses.js';
export { expressTargetAuth, type ExpressMiddleware, type TargetAuthMiddlewareOptions } from './middleware/express.js';
export { fastifyTargetAuth, fastifyRewriteUrl, type FastifyOnRequestHook, type FastifyLikeRequest, type FastifyLikeReply } from './middleware/fastify.js';

export { parseSidecarFlags, parseListenAddress, parseDurationMs, type SidecarConfig, type ParsedFlags } from './config.js';
export { startSidecar, type RunningSidecar, type SidecarDependencies } from './sidecar/sidecar.js';
export { createUpstreamProxy, type UpstreamProxyOptions } from './sidecar/upstream-proxy.js';
export { selfSignedServingPair } from './sidecar/self-signed.js';
