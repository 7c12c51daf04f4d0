import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What Go answered for one input. */
export interface GoAnswer {
  readonly ok: boolean;
  readonly ns?: string;
  readonly host?: string;
  readonly port?: string;
  readonly bool?: boolean;
}

/**
 * Builds `go-oracle.go` with the local Go toolchain (standard library only) and returns a batch
 * function: every input goes to one Go process, answers come back in order. Throws when Go is
 * missing — the differential tests must not pass without their oracle.
 */
export function buildGoOracle(): (fn: 'duration' | 'splithostport' | 'parsebool', inputs: readonly string[]) => GoAnswer[] {
  const dir = mkdtempSync(join(tmpdir(), 'process-kit-go-oracle-'));
  const bin = join(dir, 'go-oracle');
  const source = fileURLToPath(new URL('./go-oracle.go', import.meta.url));
  execFileSync('go', ['build', '-o', bin, source], { cwd: dir, env: { ...process.env, GO111MODULE: 'off', GOFLAGS: '' }, stdio: ['ignore', 'ignore', 'inherit'] });
  return (fn, inputs) => {
    const stdin = inputs.map((i) => JSON.stringify({ fn, in: i })).join('\n') + '\n';
    const r = spawnSync(bin, [], { input: stdin, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`go oracle failed: ${r.stderr}`);
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as GoAnswer);
  };
}
