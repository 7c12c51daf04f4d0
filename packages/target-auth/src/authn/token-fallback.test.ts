// The token fallback is used only when NO client certificate is presented (real TLS).
import { createTestCa, issueTestLeaf, type TestCa, type TestLeaf } from '@certscrape/pkcs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticAuthorizer } from '../authz/static-authorizer.js';
import { staticCaBundle } from '../ca-bundle.js';
import type { TokenReviewClient } from '../delegated-clients.js';
import { staticServingPair } from '../serving-cert.js';
import { SCRAPER, servingFixture, type ServingFixture } from '../test-support/fixtures.js';
import { httpsRequest } from '../test-support/https-client.js';
import { startTargetServer, type TargetServer } from '../test-support/target-server.js';
import { TokenAuthenticator } from './token-authenticator.js';

const TOKEN_USER = 'system:serviceaccount:monitoring:legacy-scraper';

describe('token fallback only without a client certificate', () => {
  let ca: TestCa;
  let serving: ServingFixture;
  let good: TestLeaf;
  let untrusted: TestLeaf;
  let target: TargetServer;
  const reviewed: string[] = [];

  beforeAll(async () => {
    ca = await createTestCa({ commonName: 'metrics client CA' });
    serving = await servingFixture();
    good = await issueTestLeaf(ca, { commonName: SCRAPER });
    untrusted = await issueTestLeaf(await createTestCa({ commonName: 'other CA' }), { commonName: SCRAPER });
    const client: TokenReviewClient = {
      review: async (token) => {
        reviewed.push(token);
        return token === 'good-token' ? { authenticated: true, user: { username: TOKEN_USER, groups: [] }, audiences: [] } : { authenticated: false, error: 'invalid' };
      },
    };
    target = await startTargetServer({
      caBundle: staticCaBundle(ca.certPem),
      serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }),
      authorizer: new StaticAuthorizer([
        { user: { name: SCRAPER }, verb: 'get', path: '/metrics' },
        { user: { name: TOKEN_USER }, verb: 'get', path: '/metrics' },
      ]),
      token: new TokenAuthenticator(client),
    });
  });
  afterAll(async () => {
    await target?.close();
  });

  const call = (leaf: TestLeaf | undefined, token?: string) =>
    httpsRequest({ port: target.port, ca: serving.ca.certPem, ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}), ...(leaf ? { identity: { cert: leaf.chainPem, key: leaf.keyPem } } : {}) });

  it('without a certificate, a valid bearer token authenticates, and its header never reaches the handler', async () => {
    const r = await call(undefined, 'good-token');
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body);
    expect(echo.user).toEqual({ name: TOKEN_USER, groups: [], authenticatedBy: 'token' });
    expect(echo.headers.authorization).toBeUndefined();
    expect(reviewed).toEqual(['good-token']);
  });

  it('with a valid certificate, the certificate decides and the token is not reviewed', async () => {
    reviewed.length = 0;
    const r = await call(good, 'another-token');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).user.authenticatedBy).toBe('client-certificate');
    expect(reviewed).toEqual([]);
  });

  it('with an invalid certificate, a valid token does not rescue the request (401, no review)', async () => {
    reviewed.length = 0;
    expect((await call(untrusted, 'good-token')).status).toBe(401);
    expect(reviewed).toEqual([]);
  });

  it('an invalid token is 401', async () => {
    expect((await call(undefined, 'bad-token')).status).toBe(401);
  });
});
