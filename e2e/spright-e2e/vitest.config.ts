// eslint-disable-next-line @nx/enforce-module-boundaries -- the shared preset is a root file, not a project
import { fastpathVitest } from '../../vitest.preset.ts';
// Serial and generous: each mode deploys real processes, a netns and (S) SPROXY.
export default fastpathVitest(import.meta.dirname, { serial: true, testTimeout: 180_000 });
