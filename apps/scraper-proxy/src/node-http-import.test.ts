// Importing node:http as an ES module namespace loads Node's bundled undici (through the
// WebSocket/CloseEvent/MessageEvent getters), a second copy beside the npm undici the pool uses:
// the proxy's modules take node:http's values from process.getBuiltinModule('node:http').
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const VALUE_IMPORT = /^\s*import\s+(?!type\b)[^;]*?from\s+['"](?:node:)?http['"]|import\(\s*['"](?:node:)?http['"]\s*\)/m;

describe('node:http in the scraper-proxy', () => {
  it('is imported for types only; app.ts takes createServer from process.getBuiltinModule', async () => {
    const files = (await readdir(SRC)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(10);
    const offenders = [];
    for (const f of files) if (VALUE_IMPORT.test(await readFile(`${SRC}/${f}`, 'utf8'))) offenders.push(f);
    expect(offenders).toEqual([]);
    expect(await readFile(`${SRC}/app.ts`, 'utf8')).toContain("process.getBuiltinModule('node:http')");
  });
});
