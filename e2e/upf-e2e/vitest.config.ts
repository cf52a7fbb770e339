import { fastpathVitest } from '../../vitest.preset.ts';
export default fastpathVitest(import.meta.dirname, { serial: true, testTimeout: 60_000 });
