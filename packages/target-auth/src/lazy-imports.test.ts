// @kubernetes/client-node must load only when the delegated fallback is configured: no module of
// the library may import it statically (type-only imports are erased and fine).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));

async function libraryFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'test-support') out.push(...(await libraryFiles(p)));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
      out.push(p);
    }
  }
  return out;
}

describe('lazy loading of @kubernetes/client-node', () => {
  it('no library module imports it statically; delegated-clients.ts imports it dynamically', async () => {
    const files = await libraryFiles(SRC);
    expect(files.length).toBeGreaterThan(20);
    const staticImport = /^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+['"]@kubernetes\/client-node['"]/m;
    const offenders = [];
    for (const f of files) if (staticImport.test(await readFile(f, 'utf8'))) offenders.push(f);
    expect(offenders).toEqual([]);
    expect(await readFile(join(SRC, 'delegated-clients.ts'), 'utf8')).toContain("await import('@kubernetes/client-node')");
  });
});

// An ESM namespace of node:http reads its lazy WebSocket/CloseEvent/MessageEvent getters, which
// load Node's bundled undici: ~9 MiB of the sidecar's resident memory for nothing it uses.
// Value imports go through process.getBuiltinModule('node:http') (CommonJS exports) instead.
describe('no ESM value import of node:http', () => {
  it('library modules import only types from node:http', async () => {
    const files = await libraryFiles(SRC);
    const valueImport = /^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+['"](?:node:)?http['"]|import\(\s*['"](?:node:)?http['"]\s*\)/m;
    const offenders = [];
    for (const f of files) if (valueImport.test(await readFile(f, 'utf8'))) offenders.push(f);
    expect(offenders).toEqual([]);
    expect(await readFile(join(SRC, 'sidecar/upstream-proxy.ts'), 'utf8')).toContain("process.getBuiltinModule('node:http')");
  });
});
