// CA rotation end to end over real TLS: a Kubernetes-style `..data` swap of the client CA
// ConfigMap volume must take effect for new connections, already-open keep-alive connections
// and resumed TLS sessions alike.
import { Agent } from 'node:https';
import { createTestCa, issueTestLeaf, type TestCa, type TestLeaf } from '@certscrape/pkcs/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StaticAuthorizer } from './authz/static-authorizer.js';
import { CaBundleWatcher, type CaBundle } from './ca-bundle.js';
import { staticServingPair } from './serving-cert.js';
import { SCRAPER, servingFixture, type ServingFixture } from './test-support/fixtures.js';
import { httpsRequest, singleConnectionAgent, type ClientIdentity } from './test-support/https-client.js';
import { SecretVolume } from '@certscrape/local-cluster/testing';
import { acceptableClientCaNames } from './test-support/openssl.js';
import { startTargetServer, type TargetServer } from './test-support/target-server.js';

const id = (l: TestLeaf): ClientIdentity => ({ cert: l.chainPem, key: l.keyPem });

function changed(w: CaBundleWatcher): Promise<CaBundle> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('CA bundle did not change')), 3000);
    const off = w.onChange((b) => {
      clearTimeout(t);
      off();
      resolve(b);
    });
  });
}

describe('CA rotation through a ..data swap', () => {
  let caA: TestCa;
  let caB: TestCa;
  let leafA: TestLeaf;
  let leafB: TestLeaf;
  let leafViaIntermediateA: TestLeaf;
  let serving: ServingFixture;
  let vol: SecretVolume;
  let watcher: CaBundleWatcher;
  let target: TargetServer;
  const agents: Agent[] = [];

  beforeAll(async () => {
    [caA, caB, serving] = await Promise.all([createTestCa({ commonName: 'client CA A' }), createTestCa({ commonName: 'client CA B' }), servingFixture()]);
    const interA = await createTestCa({ commonName: 'client intermediate A', parent: caA });
    [leafA, leafB, leafViaIntermediateA] = await Promise.all([
      issueTestLeaf(caA, { commonName: SCRAPER }),
      issueTestLeaf(caB, { commonName: SCRAPER }),
      issueTestLeaf(interA, { commonName: SCRAPER }),
    ]);
  });

  async function start(initial: string): Promise<void> {
    vol = await SecretVolume.create(undefined, { 'client-ca.crt': initial });
    watcher = await CaBundleWatcher.open({ file: vol.path('client-ca.crt'), pollIntervalMs: 200 });
    target = await startTargetServer({
      caBundle: watcher,
      serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }),
      authorizer: new StaticAuthorizer([{ user: { name: SCRAPER }, verb: 'get', path: '/metrics' }]),
    });
  }

  afterEach(async () => {
    for (const a of agents.splice(0)) a.destroy();
    await target?.close();
    watcher?.close();
    await vol?.remove();
  });

  const get = (o: { identity?: ClientIdentity; agent?: Agent }) => httpsRequest({ port: target.port, ca: serving.ca.certPem, ...o });
  const agent = (a: Agent) => (agents.push(a), a);

  it('accepts both CAs during an overlap, then only the new one; a new connection with the new leaf works within about a second', async () => {
    await start(caA.certPem);
    expect((await get({ identity: id(leafA) })).status).toBe(200);
    expect((await get({ identity: id(leafB) })).status).toBe(401);

    let c = changed(watcher);
    await vol.update({ 'client-ca.crt': caA.certPem + caB.certPem });
    await c;
    expect((await get({ identity: id(leafA) })).status).toBe(200);
    expect((await get({ identity: id(leafB) })).status).toBe(200);

    c = changed(watcher);
    await vol.update({ 'client-ca.crt': caB.certPem });
    const swappedAt = Date.now();
    let status = 0;
    while (status !== 200 && Date.now() - swappedAt < 3000) status = (await get({ identity: id(leafB) })).status;
    expect(status).toBe(200);
    expect(Date.now() - swappedAt).toBeLessThan(1500);
    await c;
    expect((await get({ identity: id(leafA) })).status).toBe(401);
  });

  it('the handshake advertises the current bundle as acceptable client CAs (what Go clients choose by)', async () => {
    await start(caA.certPem);
    expect(await acceptableClientCaNames(target.port)).toEqual(['CN = client CA A']);
    const c = changed(watcher);
    await vol.update({ 'client-ca.crt': caA.certPem + caB.certPem });
    await c;
    expect(await acceptableClientCaNames(target.port)).toEqual(['CN = client CA A', 'CN = client CA B']);
  });

  it('refuses the next request on an already-open connection once the old CA is gone', async () => {
    await start(caA.certPem);
    const kept = agent(singleConnectionAgent({ ca: serving.ca.certPem, identity: id(leafA) }));
    const first = await get({ agent: kept });
    expect(first.status).toBe(200);
    expect((await get({ agent: kept })).reusedSocket).toBe(true);

    const c = changed(watcher);
    await vol.update({ 'client-ca.crt': caB.certPem });
    await c;
    const after = await get({ agent: kept });
    expect(after.reusedSocket).toBe(true); // same TLS connection, no new handshake
    expect(after.socket).toBe(first.socket);
    expect(after.status).toBe(401);
    expect(target.seen).toHaveLength(2);
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('refuses a resumed %s session with the old CA leaf after the swap', async (maxVersion) => {
    await start(caA.certPem);
    // keepAlive false: every request is a new TCP connection, resuming the cached TLS session.
    const resuming = agent(new Agent({ keepAlive: false, maxCachedSessions: 10, ca: serving.ca.certPem, cert: leafA.chainPem, key: leafA.keyPem, maxVersion }));
    const full = await get({ agent: resuming });
    expect(full.status).toBe(200);
    expect(full.sessionReused).toBe(false);
    const resumed = await get({ agent: resuming });
    expect(resumed.sessionReused).toBe(true);
    expect(resumed.status).toBe(200); // a resumed session is re-verified from the leaf, not trusted blindly

    const c = changed(watcher);
    await vol.update({ 'client-ca.crt': caB.certPem });
    await c;
    const afterSwap = await get({ agent: resuming });
    expect(afterSwap.sessionReused).toBe(true); // the server still resumes (ticket keys survive reloads)...
    expect(afterSwap.status).toBe(401); // ...but the request is refused: the chain no longer verifies
  });

  it('refuses a request on a connection that was resumed before the swap and stayed open', async () => {
    await start(caA.certPem);
    const opts = { keepAlive: true, maxSockets: 1, maxCachedSessions: 10, ca: serving.ca.certPem, cert: leafA.chainPem, key: leafA.keyPem };
    const a = agent(new Agent(opts));
    expect((await get({ agent: a })).status).toBe(200);
    // Drop the connection but keep the agent's session cache, so the next connection resumes.
    for (const sockets of Object.values(a.freeSockets)) for (const s of sockets ?? []) s.destroy();
    await new Promise((r) => setTimeout(r, 20));
    const resumedOpen = await get({ agent: a });
    expect(resumedOpen.sessionReused).toBe(true);
    expect(resumedOpen.status).toBe(200);

    const c = changed(watcher);
    await vol.update({ 'client-ca.crt': caB.certPem });
    await c;
    const after = await get({ agent: a });
    expect(after.socket).toBe(resumedOpen.socket);
    expect(after.status).toBe(401);
  });

  it('a resumed session still authenticates a leaf whose intermediate was presented on the full handshake', async () => {
    await start(caA.certPem);
    const a = agent(new Agent({ keepAlive: false, maxCachedSessions: 10, ca: serving.ca.certPem, cert: leafViaIntermediateA.chainPem, key: leafViaIntermediateA.keyPem }));
    expect((await get({ agent: a })).status).toBe(200);
    const resumed = await get({ agent: a });
    expect(resumed.sessionReused).toBe(true);
    expect(resumed.status).toBe(200);
  });
});
