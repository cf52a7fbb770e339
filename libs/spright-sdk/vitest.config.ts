// eslint-disable-next-line @nx/enforce-module-boundaries -- the shared preset is a root file, not a project
import { fastpathVitest } from '../../vitest.preset.ts';
export default fastpathVitest(import.meta.dirname, { testTimeout: 60_000 });
