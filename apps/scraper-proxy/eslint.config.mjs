import root from '../../eslint.config.mjs';

// The root config ignores vitest.config.ts only; the integration config imports the shared one the same way.
export default [...root, { ignores: ['vitest.integration.config.ts'] }];
