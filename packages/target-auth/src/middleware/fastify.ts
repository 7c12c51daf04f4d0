import type { IncomingMessage } from 'node:http';
import { normalizeRequestPath } from '../authz/path.js';
import { runSteps, type Step } from './steps.js';
import type { TargetAuthMiddlewareOptions } from './express.js';
import { createAuthenticationStep } from './with-authentication.js';
import { createAuthorizationStep } from './with-authorization.js';

/** The part of Fastify's request the hook uses (no dependency on Fastify types). */
export interface FastifyLikeRequest {
  readonly raw: IncomingMessage;
}
/** The part of Fastify's reply the hook uses. */
export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(body: string): unknown;
}
/** A callback-style Fastify `onRequest` hook. */
export type FastifyOnRequestHook = (request: FastifyLikeRequest, reply: FastifyLikeReply, done: (err?: Error) => void) => void;

/**
 * Fastify adapter, an `onRequest` hook: `app.addHook('onRequest', fastifyTargetAuth(options))`.
 * Fastify routes before hooks run, so the URL cannot be rewritten here: a request whose path is
 * not canonical is denied (403). Pass {@link fastifyRewriteUrl} as Fastify's `rewriteUrl` option
 * to normalise before routing instead.
 */
export function fastifyTargetAuth(options: TargetAuthMiddlewareOptions): FastifyOnRequestHook {
  const steps: Step[] = [createAuthenticationStep(options.authenticator, options), createAuthorizationStep(options.authorizer, { ...options, rewriteUrl: false })];
  return (request, reply, done) => {
    runSteps(steps, request.raw, (outcome) => {
      if (outcome === undefined) {
        done();
        return;
      }
      reply.code(outcome.status).header('content-type', 'text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(outcome.body);
    });
  };
}

/**
 * For Fastify's `rewriteUrl` factory option: the normalised URL (path + original query), so
 * routing and authorization see the same path. Unnormalisable URLs are returned unchanged
 * (the hook then denies them).
 */
export function fastifyRewriteUrl(req: IncomingMessage): string {
  const p = normalizeRequestPath(req.url);
  if (!p.ok) return req.url ?? '/';
  return p.query === '' ? p.encodedPath : `${p.encodedPath}?${p.query}`;
}
