import { fastpathVitest } from '../../vitest.preset.ts';
export default fastpathVitest(import.meta.dirname);
