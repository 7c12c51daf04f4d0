// The pure packages (pkcs, identity) must do no I/O and read no clock: the workspace
// lint config enforces it. This test proves the rule bites where Nx runs it (each
// project's own directory), so a config change that silently stops matching fails here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

const probes: [string, string, string][] = [
  ['node:fs', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", 'no-restricted-imports'],
  ['node:net', "import net from 'node:net';\nexport const n = net;\n", 'no-restricted-imports'],
  ['child_process', "import { spawn } from 'child_process';\nexport const s = spawn;\n", 'no-restricted-imports'],
  ['@kubernetes/client-node', "import { KubeConfig } from '@kubernetes/client-node';\nexport const k = KubeConfig;\n", 'no-restricted-imports'],
  ['process.env', 'export const e = process.env.HOME;\n', 'no-restricted-globals'],
  ['Date.now()', 'export const t = Date.now();\n', 'no-restricted-syntax'],
  ['new Date()', 'export const d = new Date();\n', 'no-restricted-syntax'],
];

describe.each(['packages/pkcs', 'packages/identity'])('lint keeps %s pure', (project) => {
  const eslint = new ESLint({ cwd: path.join(repo, project) });
  it.each(probes)('refuses %s in src/', async (_what, code, rule) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(repo, project, 'src/probe.ts') });
    expect(result!.messages.map((m) => m.ruleId)).toContain(rule);
  }, 120_000); // the first lint loads the TypeScript parser and the Nx project graph
  it('accepts a pure module', async () => {
    const [result] = await eslint.lintText("export const add = (a: number, b: number): number => a + b;\n", { filePath: path.join(repo, project, 'src/probe.ts') });
    expect(result!.messages).toEqual([]);
  }, 120_000);
});
