// Consumable packages (issue 15): what `npm publish` would upload, installed the way a team that
// embeds @certscrape/target-auth would install it — outside this workspace, from the packed
// tarballs alone (third-party dependencies come from the registry) — then used for real: an HTTPS
// server built with the public API, scraped with a real client certificate.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** The package a target team installs; everything it depends on inside this repository must be published too. */
const ENTRY = '@certscrape/target-auth';
const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';
/** Conditions a published `exports` map may use: Node's own, TypeScript's, and our scoped source condition. */
const ALLOWED_CONDITIONS = new Set(['types', 'import', 'require', 'node', 'default', '@certscrape/source']);

interface Workspace {
  readonly dir: string;
  readonly manifest: { name: string; version: string; private?: boolean; dependencies?: Record<string, string>; exports?: unknown };
}

function workspaces(): Map<string, Workspace> {
  const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  const out = new Map<string, Workspace>();
  for (const pattern of root.workspaces) {
    const dirs = pattern.endsWith('/*') ? readdirSync(join(REPO_ROOT, pattern.slice(0, -2))).map((d) => join(pattern.slice(0, -2), d)) : [pattern];
    for (const dir of dirs) {
      const file = join(REPO_ROOT, dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Workspace['manifest'];
      out.set(manifest.name, { dir, manifest });
    }
  }
  return out;
}

/** ENTRY and every workspace package it needs at run time ("dependencies", transitively). */
function publishedClosure(all: Map<string, Workspace>): Workspace[] {
  const seen = new Map<string, Workspace>();
  const visit = (name: string): void => {
    const ws = all.get(name);
    if (ws === undefined || seen.has(name)) return;
    seen.set(name, ws);
    for (const dep of Object.keys(ws.manifest.dependencies ?? {})) visit(dep);
  };
  visit(ENTRY);
  return [...seen.values()];
}

/** Every condition name used anywhere in an `exports` map. */
function conditionsOf(exportsField: unknown): string[] {
  if (exportsField === null || typeof exportsField !== 'object') return [];
  return Object.entries(exportsField as Record<string, unknown>).flatMap(([k, v]) => [...(k.startsWith('.') ? [] : [k]), ...conditionsOf(v)]);
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs = 300_000): Promise<string> {
  // The children run on this test's Node (the project's Node 24), npm included (its shebang is `env node`).
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, npm_config_audit: 'false', npm_config_fund: 'false' };
  return new Promise((ok, fail) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${stderr || error.message}`, { cause: error }));
      else ok(stdout);
    });
  });
}

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: string[];
}

/** The consumer's server: only the package's public API, as its README shows. */
const SERVER_MJS = `
import { readFileSync } from 'node:fs';
import {
  ClientCertAuthenticator, RequestAuthenticator, StaticAuthorizer, createSecureServer,
  staticCaBundle, staticServingPair, withAuthentication, withAuthorization,
} from '@certscrape/target-auth';

const [caFile, certFile, keyFile, user] = process.argv.slice(2);
const caBundle = staticCaBundle(readFileSync(caFile, 'utf8'));
const serving = staticServingPair({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
const authenticator = new RequestAuthenticator({ clientCert: new ClientCertAuthenticator({ caBundle }) });
const authorizer = new StaticAuthorizer([{ user: { name: user }, verb: 'get', path: '/metrics' }]);
const metrics = (req, res) => { res.setHeader('content-type', 'text/plain; version=0.0.4'); res.end('consumer_up 1\\n'); };
const server = createSecureServer({ caBundle, serving }, withAuthentication(authenticator, {}, withAuthorization(authorizer, {}, metrics)));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** The same composition as TypeScript, type-checked against the published declarations. */
const CONSUMER_TS = `
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ClientCertAuthenticator, RequestAuthenticator, StaticAuthorizer, createSecureServer,
  staticCaBundle, staticServingPair, withAuthentication, withAuthorization,
  type StaticRule, type CaBundleSource, type RequestHandler,
} from '@certscrape/target-auth';
import { parseCertificate } from '@certscrape/pkcs';

export function build(caPem: string, cert: Buffer, key: Buffer): ReturnType<typeof createSecureServer> {
  const caBundle: CaBundleSource = staticCaBundle(caPem);
  const rules: StaticRule[] = [{ user: { name: '${SCRAPER}' }, verb: 'get', path: '/metrics' }];
  const handler: RequestHandler = (_req: IncomingMessage, res: ServerResponse) => { res.end(parseCertificate(caPem).subject.length > 0 ? 'ok' : ''); };
  const authn = new RequestAuthenticator({ clientCert: new ClientCertAuthenticator({ caBundle }) });
  return createSecureServer({ caBundle, serving: staticServingPair({ cert, key }) }, withAuthentication(authn, {}, withAuthorization(new StaticAuthorizer(rules), {}, handler)));
}
`;

function get(port: number, caPem: string, client?: { certPem: string; keyPem: string }): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', ca: caPem, servername: 'localhost', agent: false, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe(`${ENTRY} as a consumer installs it from npm pack tarballs`, () => {
  const all = workspaces();
  const closure = publishedClosure(all);
  // Outside the repository: nothing can resolve through the workspace's node_modules.
  const scratch = mkdtempSync(join(tmpdir(), 'certscrape-consume-'));
  const packed: Packed[] = [];
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    for (const ws of closure) {
      if (!existsSync(join(REPO_ROOT, ws.dir, 'dist', 'index.js'))) throw new Error(`${ws.dir}/dist is missing: build first (npx nx run-many -t build)`);
      const out = await run('npm', ['pack', '--json', '--pack-destination', scratch, '-w', ws.manifest.name], REPO_ROOT);
      const [info] = JSON.parse(out) as { name: string; filename: string; files: { path: string }[] }[];
      if (info === undefined) throw new Error(`npm pack ${ws.manifest.name}: no output`);
      packed.push({ name: info.name, filename: info.filename, files: info.files.map((f) => f.path) });
    }
  }, 300_000);

  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('every workspace package the entry depends on is publishable: not private, no "development" condition, only known conditions', () => {
    expect(closure.map((w) => w.manifest.name).sort()).toContain(ENTRY);
    for (const ws of closure) {
      expect(ws.manifest.private, `${ws.manifest.name} is private`).not.toBe(true);
      const conditions = conditionsOf(ws.manifest.exports);
      expect(conditions, ws.manifest.name).not.toContain('development');
      for (const c of conditions) expect(ALLOWED_CONDITIONS.has(c), `${ws.manifest.name}: condition ${c}`).toBe(true);
      // Versions between our own packages are real ranges a registry can resolve, never "*".
      for (const [dep, range] of Object.entries(ws.manifest.dependencies ?? {})) {
        if (all.has(dep)) expect(range, `${ws.manifest.name} -> ${dep}`).toBe(`^${all.get(dep)?.manifest.version}`);
      }
    }
  });

  it('each tarball holds the built JavaScript, its types, README, LICENSE and CHANGELOG — and no sources, tests, maps or build info', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(closure.map((w) => w.manifest.name).sort());
    for (const p of packed) {
      for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts']) expect(p.files, `${p.name} lacks ${f}`).toContain(f);
      const stray = p.files.filter((f) => f.startsWith('src/') || /\.test\.(js|d\.ts)$/.test(f) || f.endsWith('.tsbuildinfo') || f.endsWith('.map'));
      expect(stray, p.name).toEqual([]);
    }
  });

  it('installed from the tarballs into a scratch project, its middleware serves the scraper identity 200, no certificate 401, another identity 403; its types check', async () => {
    // Given: a consumer project that depends on the tarballs only (no workspace, no links).
    const deps = Object.fromEntries(packed.map((p) => [p.name, `file:./${p.filename}`]));
    const typesNode = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }).version;
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'certscrape-consumer', private: true, type: 'module', dependencies: deps, devDependencies: { '@types/node': typesNode }, overrides: Object.fromEntries(packed.map((p) => [p.name, `$${p.name}`])) }, null, 2),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], scratch);
    // The installed copies are the packed files (real directories, not links into the repository).
    for (const p of packed) {
      const installed = join(scratch, 'node_modules', p.name);
      expect(existsSync(join(installed, 'dist/index.js')), p.name).toBe(true);
      expect(existsSync(join(installed, 'src')), `${p.name} ships src/`).toBe(false);
    }

    // And: a CA, the scraper's client certificate, another identity's, and a serving pair.
    const clientCa = await createTestCa({ commonName: 'consumer client CA' });
    const scraper = await issueTestLeaf(clientCa, { commonName: SCRAPER });
    const stranger = await issueTestLeaf(clientCa, { commonName: 'system:serviceaccount:default:someone-else' });
    const servingCa = await createTestCa({ commonName: 'consumer serving CA' });
    const serving = await issueTestLeaf(servingCa, { commonName: 'localhost', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'dns', value: 'localhost' }] });
    writeFileSync(join(scratch, 'client-ca.crt'), clientCa.certPem);
    writeFileSync(join(scratch, 'serving.crt'), serving.certPem);
    writeFileSync(join(scratch, 'serving.key'), serving.keyPem, { mode: 0o600 });
    writeFileSync(join(scratch, 'server.mjs'), SERVER_MJS);

    // When: the consumer's server runs (on this Node) and is scraped over real mTLS.
    server = spawn(process.execPath, ['server.mjs', 'client-ca.crt', 'serving.crt', 'serving.key', SCRAPER], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const port = await new Promise<number>((ok, fail) => {
      const lines = createInterface({ input: server?.stdout ?? process.stdin });
      lines.once('line', (line) => ok((JSON.parse(line) as { port: number }).port));
      server?.once('exit', (code) => fail(new Error(`consumer server exited ${code}: ${stderr}`)));
    });

    // Then: the scraper identity gets the metrics; no certificate is 401; another identity is 403.
    const ok = await get(port, servingCa.certPem, scraper);
    expect(ok).toEqual({ status: 200, body: 'consumer_up 1\n' });
    expect((await get(port, servingCa.certPem)).status).toBe(401);
    expect((await get(port, servingCa.certPem, stranger)).status).toBe(403);

    // And: a TypeScript consumer type-checks against the published declarations (no source condition).
    writeFileSync(join(scratch, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'] }, files: ['consumer.ts'] }),
    );
    await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], scratch, 120_000);
  }, 600_000);
});
