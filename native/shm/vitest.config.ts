// eslint-disable-next-line @nx/enforce-module-boundaries -- the vitest preset is a root file, not a project
import { fastpathVitest } from '../../vitest.preset.ts';
export default fastpathVitest(import.meta.dirname);
