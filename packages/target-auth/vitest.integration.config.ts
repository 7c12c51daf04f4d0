import { projectConfig } from '../../vitest.shared.mjs';

const config = projectConfig(import.meta.dirname, 'integration');
// See vitest.config.ts: without this, CommonJS require() resolves the `import` condition.
const withoutImport = (c: string[] | undefined) => c?.filter((x) => x !== 'import');
config.resolve!.conditions = withoutImport(config.resolve!.conditions);
config.ssr!.resolve!.conditions = withoutImport(config.ssr!.resolve!.conditions);

export default config;
