// eslint-disable-next-line @nx/enforce-module-boundaries -- the shared vitest preset lives at the workspace root
import { fastpathVitest } from '../../vitest.preset.ts';
export default fastpathVitest(import.meta.dirname);
