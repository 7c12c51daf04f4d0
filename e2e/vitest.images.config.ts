import { projectConfig } from '../vitest.shared.mjs';

// npm run test:images (scripts/test-images.sh): the podman test of the built images.
export default projectConfig(import.meta.dirname, 'images');
