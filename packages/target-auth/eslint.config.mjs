import root from '../../eslint.config.mjs';

export default [
  ...root,
  // vitest configs import the shared config by relative path; the root only ignores vitest.config.ts.
  { ignores: ['vitest.integration.config.ts'] },
  {
    // Integration tests (only) may use the local control plane's test helpers (tooling scope).
    files: ['src/**/*.int.test.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['@certscrape/local-cluster', '@certscrape/local-cluster/testing'],
          depConstraints: [{ sourceTag: 'scope:target', onlyDependOnLibsWithTags: ['scope:pure', 'scope:tooling'] }],
        },
      ],
    },
  },
];
