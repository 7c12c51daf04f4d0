// Shared vitest configuration for every project in the workspace.
// kind: 'unit' (fast, no cluster), 'integration' (needs the local control plane),
// 'e2e' (the whole system), 'images' (the built images under podman against the local control
// plane; `npm run test:images`, not part of `npm test`). Workspace packages resolve to their
// TypeScript sources through the "@certscrape/source" export condition (scoped, so that it never matches in a
// consumer's toolchain the way a generic "development" would), so tests never need a prior build.
// tsconfig.base.json's customConditions names the same condition.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The export condition under which every workspace package.json points at ./src/*.ts. */
export const SOURCE_CONDITION = '@certscrape/source';

const include = {
  unit: ['src/**/*.test.ts'],
  integration: ['src/**/*.int.test.ts'],
  e2e: ['src/**/*.e2e.test.ts'],
  // Containers run with podman from the images `npm run images` built (npm run test:images).
  images: ['src/**/*.podman.test.ts'],
};

/**
 * @param {string} dir the project root (import.meta.dirname of the config)
 * @param {'unit' | 'integration' | 'e2e' | 'images'} kind
 * @param {{ globalSetup?: string[], testTimeout?: number }} [options]
 */
export function projectConfig(dir, kind, options = {}) {
  // No 'import' here: vitest forwards these to the forked Node as --conditions, and CommonJS
  // require() would then pick ESM builds (breaks express under vitest).
  const conditions = [SOURCE_CONDITION, 'node', 'module', 'default'];
  return defineConfig({
    root: dir,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: [SOURCE_CONDITION] } },
    test: {
      include: include[kind],
      exclude: kind === 'unit' ? ['**/node_modules/**', '**/dist/**', 'src/**/*.int.test.ts', 'src/**/*.e2e.test.ts', 'src/**/*.podman.test.ts'] : ['**/node_modules/**', '**/dist/**'],
      environment: 'node',
      pool: 'forks',
      passWithNoTests: false,
      testTimeout: options.testTimeout ?? (kind === 'unit' ? 20_000 : kind === 'integration' ? 120_000 : 900_000),
      hookTimeout: kind === 'unit' ? 30_000 : 900_000,
      globalSetup: options.globalSetup ?? (kind === 'integration' || kind === 'images' ? [`${root}packages/local-cluster/src/testing/global-setup.ts`] : []),
      fileParallelism: kind === 'unit',
      // The JSON report lets `npm test` print one closing "N passed, N failed" line for the whole run.
      reporters: ['default', 'json'],
      outputFile: { json: path.join(root, '.test-results', `${path.basename(path.dirname(dir))}-${path.basename(dir)}-${kind}.json`) },
    },
  });
}
