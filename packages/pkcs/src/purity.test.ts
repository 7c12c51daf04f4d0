// The package's own lint configuration (what `nx lint` runs, from this directory) must keep src/ pure.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: `${import.meta.dirname}/..` });

async function rulesHit(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${import.meta.dirname}/${path}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'fatal');
}

describe('lint keeps the package pure', () => {
  it.each<[string, string, string, string[]]>([
    ['core code may not import an I/O module', 'zz-probe.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", ['no-restricted-imports']],
    ['core code may not read the clock', 'zz-probe.ts', 'export const x = (): number => Date.now();\n', ['no-restricted-syntax']],
    ['core code may not read process.env', 'zz-probe.ts', 'export const x = (): unknown => process.env;\n', ['no-restricted-globals']],
    ['the testing entry may not import an I/O module', 'testing/zz-probe.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", ['no-restricted-imports']],
    ['the testing entry may read the clock', 'testing/zz-probe.ts', 'export const x = (): number => Date.now();\n', []],
    ['tests may do I/O', 'zz-probe.test.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", []],
  ])('%s', async (_name, path, code, rules) => {
    expect(await rulesHit(path, code)).toEqual(rules);
  }, 60_000);
});
