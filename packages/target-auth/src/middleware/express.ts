import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestAuthenticator } from '../authn/request-authenticator.js';
import type { Authorizer } from '../authz/authorizer.js';
import { send } from './responses.js';
import { runSteps, type Step } from './steps.js';
import { createAuthenticationStep } from './with-authentication.js';
import { createAuthorizationStep, type AuthorizationConfig } from './with-authorization.js';

/** Options of the Express and Fastify adapters. */
export interface TargetAuthMiddlewareOptions extends AuthorizationConfig {
  readonly authenticator: RequestAuthenticator;
  readonly authorizer: Authorizer;
}

/** Express-compatible middleware signature (no dependency on Express types). */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Express adapter: authentication then authorization, as one `app.use()` middleware placed
 * before the routes and mounted at the root (a mount path would hide part of the path from it). 401/403/500 are answered here; allowed requests continue with `req.url`
 * rewritten to the normalised path (Express routes on `req.url`, so routing sees what was authorized).
 */
export function expressTargetAuth(options: TargetAuthMiddlewareOptions): ExpressMiddleware {
  const steps: Step[] = [createAuthenticationStep(options.authenticator, options), createAuthorizationStep(options.authorizer, options)];
  return (req, res, next) => {
    runSteps(steps, req, (outcome) => (outcome === undefined ? next() : send(res, outcome)));
  };
}
