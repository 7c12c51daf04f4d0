// One flat config for the workspace. Module boundaries are enforced by Nx tags
// (see each package.json "nx.tags") and, for the pure packages, by a ban on every
// I/O module: pkcs and identity must stay free of fs/net/http/child_process/env.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import { fileURLToPath } from 'node:url';

// Nx lints each project from its own directory; blocks whose `files` name repository paths
// carry this basePath so they match wherever eslint runs.
const repoRoot = fileURLToPath(new URL('.', import.meta.url));

const ioModules = [
  'fs', 'fs/promises', 'net', 'tls', 'http', 'https', 'http2', 'dgram', 'dns', 'child_process', 'cluster', 'worker_threads', 'os', 'process', 'vm', 'readline',
];
const bannedIo = [
  ...ioModules.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'pure packages do no I/O: take data in, return data out.' })),
  { name: '@kubernetes/client-node', message: 'pure packages never talk to Kubernetes.' },
  { name: 'undici', message: 'pure packages do no I/O.' },
  { name: 'pino', message: 'pure packages do not log; return data.' },
  { name: 'prom-client', message: 'pure packages do not keep metrics.' },
];

// Nx module boundaries. `tests`: the rules for test files and test support, which may also use
// local-cluster's test kit (scope:tooling: freePort, waitFor, SecretVolume, SupervisedProcess,
// deploy/'s RBAC); production code of scope:target/scope:controller may not.
function moduleBoundaries(tests) {
  const testKit = tests ? ['scope:tooling'] : [];
  return [
    { sourceTag: 'scope:pure', onlyDependOnLibsWithTags: ['scope:pure'], bannedExternalImports: ['@kubernetes/client-node', 'undici', 'pino', 'prom-client', 'express', 'fastify', 'commander', 'yaml'] },
    // process-kit: the shared process shell; no Kubernetes client, so the sidecar stays light.
    { sourceTag: 'scope:process', onlyDependOnLibsWithTags: [], bannedExternalImports: ['@kubernetes/client-node', 'undici', 'prom-client'] },
    { sourceTag: 'scope:target', onlyDependOnLibsWithTags: ['scope:pure', 'scope:process', ...testKit] },
    // Controllers serve their own /metrics through target-auth (client-certificate authorization).
    { sourceTag: 'scope:controller', onlyDependOnLibsWithTags: ['scope:pure', 'scope:process', 'scope:target', ...testKit] },
    { sourceTag: 'scope:tooling', onlyDependOnLibsWithTags: ['scope:pure', 'scope:process'] },
    { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app', 'type:e2e', 'type:bench'] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib'] },
  ];
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/out-tsc/**', '**/node_modules/**', '**/.nx/**', '**/vitest*.config.ts', '**/*.mjs', 'bench/results/**', 'e2e/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { '@nx': nx },
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: moduleBoundaries(false),
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    plugins: { '@nx': nx },
    files: ['**/*.test.ts', '**/test-support/**/*.ts', '**/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: moduleBoundaries(true) }] },
  },
  {
    basePath: repoRoot,
    files: ['packages/pkcs/src/**/*.ts', 'packages/identity/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: bannedIo }],
      'no-restricted-globals': ['error', { name: 'process', message: 'pure packages read no environment.' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'pure packages take `now` as a parameter.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'pure packages take `now` as a parameter.' },
      ],
    },
  },
  {
    // The testing entry builds fixtures valid "now": it may read the clock, never do I/O.
    basePath: repoRoot,
    files: ['packages/pkcs/src/testing/**/*.ts', 'packages/identity/src/testing/**/*.ts'],
    // The differential oracles (Go, OpenSSL) run other programs: test-only, never exported from the entry.
    ignores: ['packages/pkcs/src/testing/oracles/**'],
    rules: { 'no-restricted-imports': ['error', { paths: bannedIo }], 'no-restricted-globals': ['error', { name: 'process', message: 'pure packages read no environment.' }] },
  },
  {
    basePath: repoRoot,
    files: ['**/*.test.ts', '**/bin/**', '**/scripts/**', 'e2e/**', 'bench/**', '**/main.ts', '**/cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
