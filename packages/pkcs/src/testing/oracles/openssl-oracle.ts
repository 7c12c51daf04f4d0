// The OpenSSL oracle: `openssl verify -purpose sslclient` — what OpenSSL (which terminates target-auth's TLS)
// decides about a client chain against the same trust anchors. Test-only I/O (temp files, a child process).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodePem } from '../../pem.js';
import type { ChainInput } from './go-oracle.js';

/** OpenSSL's verdict and its message (stderr/stdout) for one chain. */
export interface OpenSslVerdict {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs `openssl verify -purpose sslclient -attime <time>` per input. Throws when openssl cannot be run. */
export function opensslVerify(inputs: readonly ChainInput[]): OpenSslVerdict[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'pkcs-openssl-verify-'));
  try {
    return inputs.map((input, i) => {
      const file = (name: string, ders: readonly Uint8Array[]) => {
        const p = path.join(dir, `${i}-${name}.pem`);
        writeFileSync(p, ders.map((d) => encodePem(d, 'CERTIFICATE')).join(''));
        return p;
      };
      const args = ['verify', '-purpose', 'sslclient', '-attime', String(Math.floor(input.time.getTime() / 1000)), '-CAfile', file('roots', input.roots)];
      if (input.intermediates.length > 0) args.push('-untrusted', file('untrusted', input.intermediates));
      args.push(file('leaf', [input.leaf]));
      const r = spawnSync('openssl', args, { encoding: 'utf8' });
      if (r.error !== undefined) throw new Error(`openssl cannot be run: ${r.error.message}`);
      return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
