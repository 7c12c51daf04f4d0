// The Go oracle (packages/pkcs/go-oracle/main.go): what Go's crypto/x509 — the library kube-apiserver and
// kube-controller-manager use — decides about names, chains and CSRs. Test-only I/O: builds the oracle once
// per source hash into node_modules/.cache and runs it on JSON batches. Not exported from the testing entry.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sourceDir = path.join(pkgRoot, 'go-oracle');
const repoRoot = path.resolve(pkgRoot, '../..');

/** One attribute as Go read it: OID, the ASN.1 tag as encoded, and Go's string (hex of its bytes) when it is one. */
export interface GoAttribute {
  readonly oid: string;
  readonly tag: number;
  readonly isString: boolean;
  readonly valueHex: string;
}

/** Go's reading of a certificate's or CSR's subject; `error` when Go refuses to parse the object at all. */
export interface GoName {
  readonly error?: string;
  readonly rdns: readonly (readonly GoAttribute[])[];
  /** `Subject.CommonName` (kube-apiserver's user name), hex of the bytes. */
  readonly commonNameHex: string;
  /** `Subject.Organization` (kube-apiserver's groups), hex of the bytes. */
  readonly organizationHex: readonly string[];
}

/** One chain for a verifier (Go's `x509.Verify`, `openssl verify`): DER of leaf, untrusted intermediates, roots; the time. */
export interface ChainInput {
  readonly leaf: Uint8Array;
  readonly intermediates: readonly Uint8Array[];
  readonly roots: readonly Uint8Array[];
  readonly time: Date;
}

/** Go's verdict; `chains` lists accepted chains as labels ('leaf', 'i<k>', 'r<k>'). */
export interface GoVerdict {
  readonly ok: boolean;
  readonly error?: string;
  readonly chains: readonly (readonly string[])[];
}

let built: string | undefined;

/** How long a first build may take (a cold Go build cache compiles the standard library; busy CI machines). */
export const GO_ORACLE_BUILD_TIMEOUT_MS = 900_000;

/**
 * Builds the oracle (cached by source hash) and returns its path. Throws a clear error when no Go toolchain
 * is on PATH: the differential tests must fail, never skip (`npm test` installs golang-go via scripts/ensure-deps.sh).
 */
export function goOracleBinary(options: { readonly go?: string } = {}): string {
  const go = options.go ?? 'go';
  if (built !== undefined && go === 'go') return built;
  const probe = spawnSync(go, ['version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      'The Go toolchain is required by the crypto/x509 differential tests and was not found on PATH ' +
        `(${probe.error?.message ?? probe.stderr}). Install Debian's golang-go (scripts/ensure-deps.sh does).`,
    );
  }
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'main.go']) hash.update(readFileSync(path.join(sourceDir, f)));
  const key = `${hash.digest('hex').slice(0, 16)}-${probe.stdout.trim().split(' ')[2] ?? 'go'}`;
  const dir = path.join(repoRoot, 'node_modules/.cache/certscrape-go-oracle', key);
  const bin = path.join(dir, 'go-oracle');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.${process.pid}.tmp`;
    execFileSync(go, ['build', '-trimpath', '-o', tmp, '.'], {
      cwd: sourceDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Go's default build cache (already warm from the control-plane build) when it has a home; else our own.
      env: {
        ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local',
        ...(process.env.GOCACHE ?? process.env.HOME ?? process.env.XDG_CACHE_HOME ? {} : { GOCACHE: path.join(dir, '..', 'gocache') }),
      },
    });
    renameSync(tmp, bin); // atomic: parallel test files never run a half-written binary
  }
  if (go === 'go') built = bin;
  return bin;
}

function run<T>(command: string, input: unknown): T {
  const r = spawnSync(goOracleBinary(), [command], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error !== undefined || r.status !== 0) throw new Error(`go-oracle ${command} failed: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const b64 = (der: Uint8Array): string => Buffer.from(der).toString('base64');

/** Go's reading of each certificate's subject (`x509.ParseCertificate`). */
export function goCertificateNames(ders: readonly Uint8Array[]): GoName[] {
  return run<GoName[]>('names', ders.map((d) => ({ der: b64(d) })));
}

/** Go's reading of each CSR's subject (`x509.ParseCertificateRequest`). */
export function goCsrNames(ders: readonly Uint8Array[]): GoName[] {
  return run<GoName[]>('csr', ders.map((d) => ({ der: b64(d) })));
}

/** Go's `x509.Verify` with `KeyUsages: [ExtKeyUsageClientAuth]` at the given time, per input. */
export function goVerify(inputs: readonly ChainInput[]): GoVerdict[] {
  return run<GoVerdict[]>(
    'verify',
    inputs.map((i) => ({ leaf: b64(i.leaf), intermediates: i.intermediates.map(b64), roots: i.roots.map(b64), time: i.time.toISOString() })),
  );
}

/** Decodes a hex of UTF-8 bytes as a JS string the way pkcs must (replacement for invalid sequences, BOM kept). */
export function utf8FromHex(hex: string): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Buffer.from(hex, 'hex'));
}
