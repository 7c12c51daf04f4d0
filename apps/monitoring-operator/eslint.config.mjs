import root from '../../eslint.config.mjs';

// vitest configs import the shared config by relative path; the root only ignores vitest.config.ts.
export default [...root, { ignores: ['vitest.integration.config.ts'] }];
