import { projectConfig } from '../../vitest.shared.mjs';

// Differential tests against Go's standard library (built from source at test time); no cluster needed.
export default projectConfig(import.meta.dirname, 'integration', { globalSetup: [] });
