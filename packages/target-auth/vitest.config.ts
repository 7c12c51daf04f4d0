import { projectConfig } from '../../vitest.shared.mjs';

const config = projectConfig(import.meta.dirname, 'unit');
// The shared config lists `import` among its conditions; vitest forwards them to the forked
// Node as `--conditions`, so CommonJS `require()` then picks packages' ESM builds (express's
// router gets is-promise's namespace object, not the function). Drop it here (reported to the lead).
const withoutImport = (c: string[] | undefined) => c?.filter((x) => x !== 'import');
config.resolve!.conditions = withoutImport(config.resolve!.conditions);
config.ssr!.resolve!.conditions = withoutImport(config.ssr!.resolve!.conditions);

export default config;
